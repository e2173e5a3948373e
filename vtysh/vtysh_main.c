/*
 * vtysh: options and modes. Interactive when stdin is a terminal; otherwise
 * it reads commands from stdin, one per line. -c runs commands in one
 * session (the node carries over from one -c to the next, as in FRR).
 *
 * -C checks a file (-f FILE, or -b: the integrated one) and nothing else:
 * the trees are the running daemons' and, for those not running, their
 * binaries' in --daemon-dir (`DAEMON --describe`), so it works before any
 * daemon runs (the units' ExecStartPre); only the check pass runs, so no
 * line is ever applied. -C without a file is refused: commands from -c or
 * stdin would otherwise run for real.
 */
#include <errno.h>
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
		"  -C, --dryrun       with -b or -f: only check the file, against the\n"
		"                     daemons' binaries (no daemon needs to run)\n"
		"  --daemon-dir DIR   where -C finds the daemons (default %s)\n"
		"  --explain          with -b or -f: name the daemon and command of each line\n"
		"  --rundir DIR       daemons' run directory (default %s)\n"
		"  --config FILE      integrated configuration (default %s)\n"
		"  --version          print the version\n",
		KLD_SBINDIR, KLD_RUNDIR_DEFAULT, KLD_CONFIG_DEFAULT);
}

/* -C: a check, never an application. */
static int vtysh_check(struct vtysh *v, const char *daemon_dir, const char *file, bool boot,
		       bool explain)
{
	const char *path = file ? file : v->config;

	if (!file && !boot) {
		fprintf(stderr, "vtysh: -C checks a file: give -f FILE or -b\n");
		return 2;
	}
	/* A first start has no file yet: nothing to check is not an error. */
	if (!file && access(path, F_OK) < 0 && errno == ENOENT) {
		printf("%% %s does not exist: nothing to check\n", path);
		return 0;
	}
	vtysh_connect_all(v);
	vtysh_describe_all(v, daemon_dir);
	return vtysh_apply_file(v, path, true, explain);
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
		{ "daemon-dir", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rundir = KLD_RUNDIR_DEFAULT, *config = KLD_CONFIG_DEFAULT, *file = NULL;
	const char *daemon_dir = KLD_SBINDIR;
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
		case 'D': daemon_dir = optarg; break;
		case 'r': rundir = optarg; break;
		case 'g': config = optarg; break;
		case 'v': printf("vtysh (%s)\n", PACKAGE_STRING); return 0;
		case 'h': vtysh_usage(stdout); return 0;
		default: vtysh_usage(stderr); return 2;
		}
	}
	vtysh_init(&v, rundir, config,
		   &(struct vtysh_own_hooks){ vtysh_own_install, vtysh_own_nodes });
	if (dry) {
		rc = ncmds ? 2 : vtysh_check(&v, daemon_dir, file, boot, explain);
		if (ncmds)
			fprintf(stderr, "vtysh: -C checks a file; it does not run -c commands\n");
		vtysh_free(&v);
		free(cmds);
		return rc;
	}
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
