/*
 * vtysh: options and modes. Interactive when stdin is a terminal; otherwise
 * it reads commands from stdin, one per line. -c runs commands in one
 * session (the node carries over from one -c to the next, as in FRR).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "util.h"
#include "vtysh.h"

static void vtysh_usage(FILE *f)
{
	fprintf(f,
		"Usage: vtysh [OPTIONS]\n"
		"  -c, --command CMD  run CMD (repeatable; the node carries over)\n"
		"  -b, --boot         apply the integrated configuration file\n"
		"  -f, --inputfile F  apply configuration file F\n"
		"  -C, --dryrun       with -b or -f: only check the file\n"
		"  --explain          with -b or -f: name the daemon and command of each line\n"
		"  --rundir DIR       daemons' run directory (default %s)\n"
		"  --config FILE      integrated configuration (default %s)\n"
		"  --version          print the version\n",
		KLD_RUNDIR_DEFAULT, KLD_CONFIG_DEFAULT);
}

static int vtysh_run_stdin(struct vtysh *v)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while (!v->quit && (n = getline(&line, &cap, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		rc |= vtysh_execute(v, line);
	}
	free(line);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "command", required_argument, NULL, 'c' }, { "boot", no_argument, NULL, 'b' },
		{ "inputfile", required_argument, NULL, 'f' }, { "dryrun", no_argument, NULL, 'C' },
		{ "rundir", required_argument, NULL, 'r' }, { "config", required_argument, NULL, 'g' },
		{ "version", no_argument, NULL, 'v' },	     { "help", no_argument, NULL, 'h' },
		{ "explain", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rundir = KLD_RUNDIR_DEFAULT, *config = KLD_CONFIG_DEFAULT, *file = NULL;
	char **cmds = kld_xcalloc((size_t)argc, sizeof(char *));
	size_t ncmds = 0;
	bool boot = false, dry = false, explain = false;
	struct vtysh v;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "c:bf:Chv", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cmds[ncmds++] = optarg; break;
		case 'b': boot = true; break;
		case 'f': file = optarg; break;
		case 'C': dry = true; break;
		case 'x': explain = true; break;
		case 'r': rundir = optarg; break;
		case 'g': config = optarg; break;
		case 'v': printf("vtysh (%s)\n", PACKAGE_STRING); return 0;
		case 'h': vtysh_usage(stdout); return 0;
		default: vtysh_usage(stderr); return 2;
		}
	}
	vtysh_init(&v, rundir, config);
	vtysh_connect_all(&v);
	if (boot || file)
		rc = vtysh_apply_file(&v, file ? file : config, dry, explain);
	/* Stop at the first failing -c: a script must not go on configuring
	 * on top of a line that was refused. */
	for (size_t i = 0; i < ncmds && !rc; i++)
		rc = vtysh_execute(&v, cmds[i]);
	if (!boot && !file && !ncmds)
		rc = isatty(STDIN_FILENO) ? vtysh_readline_loop(&v) : vtysh_run_stdin(&v);
	vtysh_free(&v);
	free(cmds);
	return rc;
}
