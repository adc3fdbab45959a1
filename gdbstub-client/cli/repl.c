/*
 * repl.c: the interactive loop (readline's callback interface, so that a
 * Ctrl-C at the prompt only clears the line) and the script reader.
 *
 * Ctrl-C: while the guest runs, the SIGINT handler sends the break byte
 * 0x03 (rsp_interrupt is async-signal-safe); the stop comes back as
 * SIGINT and the prompt returns.  At the prompt it abandons the line.  It
 * never ends the client.
 *
 * History: $XDG_STATE_HOME/gdbstub-client/history when XDG_STATE_HOME is
 * set, else ~/.gdbstub_client_history.
 */
#include "cli.h"

#include <errno.h>
#include <poll.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A signal handler and readline's callbacks take no context pointer, so
 * the session they act on is this one file-level pointer, set while the
 * loop runs.
 */
static struct cli *active;
static volatile sig_atomic_t got_sigint;
static int completing;        /* CLI_COMPLETE_* for the word being completed */

static void on_sigint(int sig)
{
	(void)sig;
	if (active && active->t && active->t->c && rsp_running(active->t->c))
		cli_interrupt(active);
	else
		got_sigint = 1;
}

static void install_sigint(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;   /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGINT, &sa, NULL);
}

static void history_path(char *buf, size_t len)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (state && *state) {
		char dir[4096];

		snprintf(dir, sizeof dir, "%s/gdbstub-client", state);
		mkdir(state, 0700);
		mkdir(dir, 0700);
		snprintf(buf, len, "%s/history", dir);
	} else {
		snprintf(buf, len, "%s/.gdbstub_client_history", home ? home : ".");
	}
}

static char *generator(const char *text, int state)
{
	return cli_complete(active, completing, text, state);
}

static char **completion(const char *text, int start, int end)
{
	const struct cli_cmd *c;
	const char *line = rl_line_buffer;
	size_t n = 0;

	(void)end;
	rl_attempted_completion_over = 1;   /* no file names */
	while (*line == ' ')
		line++;
	if (line - rl_line_buffer >= start) {
		completing = CLI_COMPLETE_COMMAND;
		return rl_completion_matches(text, generator);
	}
	while (line[n] && line[n] != ' ' && line[n] != '/')
		n++;
	completing = CLI_COMPLETE_NONE;
	for (c = cli_cmds; c->name; c++)
		if ((strlen(c->name) == n && !strncmp(c->name, line, n)) ||
		    (c->alias && strlen(c->alias) == n && !strncmp(c->alias, line, n)))
			completing = c->complete;
	if (completing == CLI_COMPLETE_NONE)
		return NULL;
	return rl_completion_matches(text, generator);
}

static int status;

static void on_line(char *line)
{
	if (!line) {               /* Ctrl-D */
		printf("quit\n");
		cli_exec(active, "quit");
		rl_callback_handler_remove();
		return;
	}
	if (*line) {
		HIST_ENTRY *last = history_length ? history_get(history_base +
							      history_length - 1) : NULL;

		if (!last || strcmp(last->line, line))
			add_history(line);
	}
	/* the terminal goes back to normal (ISIG) while the command runs */
	rl_callback_handler_remove();
	/* Enter on an empty line runs the last command again, as in gdb */
	if (!*line ? cli_exec_repeat(active) < 0 : cli_exec(active, line) < 0)
		status = 1;
	free(line);
	if (!active->quit)
		rl_callback_handler_install("(gc) ", on_line);
}

static void restore_terminal(void)
{
	rl_callback_handler_remove();
}

int cli_repl(struct cli *cli)
{
	char hist[4200];

	active = cli;
	history_path(hist, sizeof hist);
	using_history();
	read_history(hist);
	rl_readline_name = "gdbstub-client";
	rl_attempted_completion_function = completion;
	rl_catch_signals = 0;
	install_sigint();
	set_die_hook(restore_terminal);
	rl_callback_handler_install("(gc) ", on_line);
	while (!cli->quit) {
		struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
		int r = poll(&pfd, 1, -1);

		if (got_sigint) {
			got_sigint = 0;
			rl_free_line_state();
			rl_crlf();
			rl_replace_line("", 0);
			rl_on_new_line();
			rl_redisplay();
			continue;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		rl_callback_read_char();
	}
	rl_callback_handler_remove();
	stifle_history(1000);
	if (write_history(hist) != 0)
		warning("cannot write history file '%s'", hist);
	active = NULL;
	return status;
}

int cli_script(struct cli *cli, FILE *f, const char *name)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	active = cli;
	install_sigint();
	while (!cli->quit && (n = getline(&line, &cap, f)) >= 0) {
		if (n && line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (cli_exec(cli, line) < 0) {
			rc = -1;
			if (!name)
				continue;   /* commands on a pipe: like a REPL */
			error("'%s': stopped at the failing command '%s'", name, line);
			break;
		}
	}
	free(line);
	active = NULL;
	return rc;
}
