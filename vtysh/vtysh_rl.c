/*
 * The interactive shell on readline: the prompt follows the node, TAB
 * completes from the daemons' own trees, '?' lists what may come next with
 * its help, as in FRR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <readline/history.h>
#include <readline/readline.h>
#include "util.h"
#include "vtysh.h"

/* readline's callbacks take no argument; the session lives here while the
 * loop runs. */
static struct vtysh *vtysh_rl_session;
static struct cmd_completion *vtysh_rl_matches;
static size_t vtysh_rl_nmatches, vtysh_rl_next;

static char *vtysh_rl_generator(const char *text, int state)
{
	while (vtysh_rl_next < vtysh_rl_nmatches) {
		const struct cmd_completion *c = &vtysh_rl_matches[vtysh_rl_next++];

		if (c->is_keyword && !strncmp(c->token, text, strlen(text)))
			return kld_xstrdup(c->token);
	}
	return NULL;
}

static char **vtysh_rl_complete(const char *text, int start, int end)
{
	char *line = strndup(rl_line_buffer, (size_t)end);

	cmd_completions_free(vtysh_rl_matches, vtysh_rl_nmatches);
	vtysh_rl_nmatches = vtysh_complete(vtysh_rl_session, line, &vtysh_rl_matches);
	vtysh_rl_next = 0;
	free(line);
	rl_attempted_completion_over = 1;
	return rl_completion_matches(text, vtysh_rl_generator);
}

static int vtysh_rl_help(int count, int key)
{
	struct cmd_completion *c;
	char *line = strndup(rl_line_buffer, (size_t)rl_point);
	size_t n = vtysh_complete(vtysh_rl_session, line, &c);

	printf("\n");
	if (n == 0)
		printf("%% There is no matched command.\n");
	for (size_t i = 0; i < n; i++)
		printf("  %-24s %s\n", c[i].token, c[i].help ? c[i].help : "");
	cmd_completions_free(c, n);
	free(line);
	rl_on_new_line();
	return 0;
}

int vtysh_readline_loop(struct vtysh *v)
{
	char prompt[128];
	char *line;

	vtysh_rl_session = v;
	rl_attempted_completion_function = vtysh_rl_complete;
	rl_bind_key('?', vtysh_rl_help);
	while (!v->quit) {
		vtysh_prompt(v, prompt, sizeof(prompt));
		line = readline(prompt);
		if (!line)
			break;
		if (*line)
			add_history(line);
		vtysh_execute(v, line);
		free(line);
	}
	cmd_completions_free(vtysh_rl_matches, vtysh_rl_nmatches);
	vtysh_rl_matches = NULL;
	vtysh_rl_nmatches = 0;
	return 0;
}
