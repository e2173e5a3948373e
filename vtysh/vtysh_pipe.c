/*
 * Output filters, as FRR's vtysh has them: `CMD | include REGEX`,
 * `| exclude REGEX`, `| begin REGEX` (from the first line that matches on)
 * and `| count [REGEX]` (the number of lines, or of lines that match).
 * REGEX is POSIX extended, the rest of the line after the filter word, so
 * it may hold blanks and '|' ("| include Established|Active").
 *
 * The filter takes any command's output (every show, `write terminal`,
 * `do show ...`); a line is a filtered one only when a " | " is followed by
 * one of the four words (or an unambiguous prefix, `| inc`), so a '|' in a
 * description stays text. The command's output is collected while it runs
 * and filtered line by line at the end.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "vtysh.h"

static const char *const vtysh_pipe_words[] = {
	[VTYSH_PIPE_INCLUDE] = "include",
	[VTYSH_PIPE_EXCLUDE] = "exclude",
	[VTYSH_PIPE_BEGIN] = "begin",
	[VTYSH_PIPE_COUNT] = "count",
};

/* The filter a word names, or -1. The four begin with four letters, so
 * any prefix is unambiguous. */
static int vtysh_pipe_kind(const char *w, size_t len)
{
	for (size_t i = 0; i < KLD_ARRAY_SIZE(vtysh_pipe_words); i++)
		if (len && len <= strlen(vtysh_pipe_words[i]) &&
		    !strncmp(vtysh_pipe_words[i], w, len))
			return (int)i;
	return -1;
}

bool vtysh_pipe_parse(const struct vtysh *v, const char *line, char **cmd,
		      struct vtysh_pipe *p)
{
	const char *bar;

	memset(p, 0, sizeof(*p));
	for (bar = strchr(line, '|'); bar; bar = strchr(bar + 1, '|')) {
		const char *w = bar + 1 + strspn(bar + 1, " \t"), *re;
		size_t wlen = strcspn(w, " \t");
		int kind;

		if (bar == line || (bar[-1] != ' ' && bar[-1] != '\t'))
			continue;
		kind = vtysh_pipe_kind(w, wlen);
		if (kind < 0)
			continue;
		p->kind = (enum vtysh_pipe_kind)kind;
		*cmd = strndup(line, (size_t)(bar - line));
		if (!*cmd)
			abort();
		re = w + wlen + strspn(w + wlen, " \t");
		if (!*re && kind != VTYSH_PIPE_COUNT) {
			if (asprintf(&p->error, "%% | %s needs a regular expression",
				     vtysh_pipe_words[kind]) < 0)
				abort();
			return true;
		}
		p->has_re = *re != '\0';
		if (p->has_re && regcomp(&p->re, re, REG_EXTENDED | REG_NOSUB) != 0) {
			p->has_re = false;
			if (asprintf(&p->error, "%% Bad regular expression: %s", re) < 0)
				abort();
		}
		return true;
	}
	return false;
}

void vtysh_pipe_begin(struct vtysh *v, struct vtysh_pipe *p)
{
	kld_buf_init(&p->out);
	p->saved = v->capture;
	v->capture = &p->out;
}

static bool vtysh_pipe_hit(const struct vtysh_pipe *p, const char *s)
{
	return !p->has_re || regexec(&p->re, s, 0, NULL, 0) == 0;
}

void vtysh_pipe_end(struct vtysh *v, struct vtysh_pipe *p, bool failed)
{
	char *text = p->out.data ? p->out.data : "", *save = NULL, *l;
	bool begun = false;
	unsigned long count = 0;

	fflush(stdout);
	v->capture = p->saved;
	for (l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		bool hit = vtysh_pipe_hit(p, l);

		switch (p->kind) {
		case VTYSH_PIPE_INCLUDE:
			if (hit)
				vtysh_printf(v, "%s\n", l);
			break;
		case VTYSH_PIPE_EXCLUDE:
			if (!hit)
				vtysh_printf(v, "%s\n", l);
			break;
		case VTYSH_PIPE_BEGIN:
			begun |= hit;
			if (begun)
				vtysh_printf(v, "%s\n", l);
			break;
		case VTYSH_PIPE_COUNT:
			count += hit;
			break;
		}
	}
	if (p->kind == VTYSH_PIPE_COUNT && !failed)
		vtysh_printf(v, "%lu\n", count);
	vtysh_pipe_free(p);
}

void vtysh_pipe_free(struct vtysh_pipe *p)
{
	if (p->has_re)
		regfree(&p->re);
	free(p->error);
	kld_buf_free(&p->out);
	memset(p, 0, sizeof(*p));
}

void vtysh_out(struct vtysh *v, const char *text)
{
	if (v->capture)
		kld_buf_puts(v->capture, text);
	else
		fputs(text, stdout);
}

void vtysh_printf(struct vtysh *v, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	vtysh_out(v, s);
	free(s);
}
