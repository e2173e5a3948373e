/*
 * The interactive shell on readline: the prompt follows the node, TAB
 * completes from the daemons' own trees, '?' lists what may come next with
 * its help, as in FRR.
 *
 * An operator's hands, as FRR's vtysh has them:
 * - bracketed paste is off (FRR's issue 8029): a pasted block arrives as
 *   the lines it is, each run as if typed, comments and blank lines
 *   included; with it on, readline would hand the block over as one line.
 * - Ctrl-C abandons the line being typed and gives a fresh prompt; it
 *   never kills the shell, not even while a command runs.
 * - Ctrl-Z is `end`.
 * - history is kept across sessions in ~/.history_kldnet (FRR keeps
 *   ~/.history_frr); KLD_VTYSH_HISTFILE names another file, an empty one
 *   keeps none.
 * - FRR's pager: when VTYSH_PAGER names one (`less -FRX`), each command's
 *   output goes through it; `terminal length 0` turns it off.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <readline/history.h>
#include <readline/readline.h>
#include "util.h"
#include "vtysh.h"

#define VTYSH_HISTORY_MAX 1000

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

/* In a comment '?' is text: a pasted "# why?" must not print help. */
static bool vtysh_rl_in_comment(const char *line)
{
	const char *p = line + strspn(line, " \t");

	return *p == '!' || *p == '#' || strstr(line, " #") || strstr(line, "\t#");
}

static int vtysh_rl_help(int count, int key)
{
	struct cmd_completion *c;
	char *line = strndup(rl_line_buffer, (size_t)rl_point);
	size_t n;

	if (vtysh_rl_in_comment(line)) {
		free(line);
		return rl_insert(count, key);
	}
	n = vtysh_complete(vtysh_rl_session, line, &c);
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

/* Ctrl-C: drop what was typed, fresh prompt (FRR's vtysh). */
static int vtysh_rl_abandon(int count, int key)
{
	rl_replace_line("", 0);
	printf("^C\n");
	rl_on_new_line();
	rl_redisplay();
	return 0;
}

/* Ctrl-Z: `end`, run at once. */
static int vtysh_rl_end(int count, int key)
{
	rl_replace_line("end", 0);
	rl_point = rl_end;
	rl_redisplay();
	return rl_newline(1, '\n');
}

/* The terminal would turn Ctrl-C and Ctrl-Z into signals before readline
 * sees them; while a line is edited they are keys. */
static void vtysh_rl_prep_terminal(int meta)
{
	struct termios t;

	rl_prep_terminal(meta);
	if (tcgetattr(STDIN_FILENO, &t) < 0)
		return;
	t.c_cc[VINTR] = _POSIX_VDISABLE;
	t.c_cc[VSUSP] = _POSIX_VDISABLE;
	tcsetattr(STDIN_FILENO, TCSADRAIN, &t);
}

static char *vtysh_rl_histfile(void)
{
	const char *env = getenv("KLD_VTYSH_HISTFILE"), *home = getenv("HOME");
	char *path;

	if (env)
		return *env ? kld_xstrdup(env) : NULL;
	if (!home || !*home)
		return NULL;
	if (asprintf(&path, "%s/.history_kldnet", home) < 0)
		abort();
	return path;
}

static void vtysh_rl_init(void)
{
	/* inputrc is read here: what follows overrides it (a user's or
	 * Debian's "enable-bracketed-paste on" included) */
	rl_initialize();
	rl_variable_bind("enable-bracketed-paste", "off");
	rl_attempted_completion_function = vtysh_rl_complete;
	rl_prep_term_function = vtysh_rl_prep_terminal;
	/* readline's own signal handling would re-raise SIGINT and end us */
	rl_catch_signals = 0;
	signal(SIGINT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN); /* a pager quit early */
	rl_bind_key('?', vtysh_rl_help);
	rl_bind_key(3, vtysh_rl_abandon);
	rl_bind_key(26, vtysh_rl_end);
}

static int vtysh_rl_execute(struct vtysh *v, const char *line)
{
	const char *pager = getenv("VTYSH_PAGER");
	struct kld_buf out;
	FILE *p;
	int rc;

	if (!pager || !*pager || v->term_length == 0 || v->capture)
		return vtysh_execute(v, line);
	kld_buf_init(&out);
	v->capture = &out;
	rc = vtysh_execute(v, line);
	v->capture = NULL;
	fflush(stdout);
	p = out.len ? popen(pager, "w") : NULL;
	if (p) {
		fwrite(out.data, 1, out.len, p);
		pclose(p);
	} else if (out.len) {
		fputs(out.data, stdout);
	}
	kld_buf_free(&out);
	return rc;
}

int vtysh_readline_loop(struct vtysh *v)
{
	char *hist = vtysh_rl_histfile();
	char prompt[128];
	char *line;

	vtysh_rl_session = v;
	vtysh_rl_init();
	if (hist)
		read_history(hist);
	while (!v->quit) {
		vtysh_prompt(v, prompt, sizeof(prompt));
		line = readline(prompt);
		if (!line)
			break;
		if (*line) {
			add_history(line);
			/* at once: a shell killed later keeps what was typed */
			if (hist && append_history(1, hist) != 0)
				write_history(hist);
		}
		vtysh_rl_execute(v, line);
		free(line);
	}
	if (hist)
		history_truncate_file(hist, VTYSH_HISTORY_MAX);
	free(hist);
	cmd_completions_free(vtysh_rl_matches, vtysh_rl_nmatches);
	vtysh_rl_matches = NULL;
	vtysh_rl_nmatches = 0;
	return 0;
}
