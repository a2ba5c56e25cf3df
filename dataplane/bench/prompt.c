/* The interactive prompt (DPDK's cmdline library, as testpmd's): start and
 * stop the data path on the first algorithm, direction and size of the
 * options, and look at the ports' and SAs' counters meanwhile. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <rte_cycles.h>

#include "dataplane/bench/bench.h"

static struct {
	struct bench_harness *h;
	const struct bench_opts *o;
	struct bench_task t;
	bool prepared, running, quit;
	cmdline_parse_ctx_t *commands;	/* for help */
	uint64_t tsc0;
	uint64_t pkts0[RTE_MAX_LCORE];
	uint64_t excl0[RTE_MAX_LCORE];	/* --rx staged: the copy's TSC cycles */
} st;

static uint64_t packets(unsigned i)
{
	return st.t.count[i]->packets;
}

static void do_start(struct cmdline *cl)
{
	char err[256], sz[16];

	if (st.running) {
		cmdline_printf(cl, "already running\n");
		return;
	}
	if (!st.prepared) {
		if (bench_harness_prepare(st.h, st.o->algs[0],
					  st.o->dir[BENCH_OUT] ? BENCH_OUT : BENCH_IN,
					  st.o->sizes[0], st.o->sas, &st.t, NULL, err,
					  sizeof(err)) < 0) {
			cmdline_printf(cl, "cannot prepare: %s\n", err);
			return;
		}
		st.prepared = true;
	}
	for (unsigned i = 0; i < st.t.n; i++) {
		st.pkts0[i] = packets(i);
		st.excl0[i] = st.t.count[i]->excluded;
	}
	/* before the launch: read after it, the packets of the workers' first
	 * bursts counted against none of the time (stop right after start
	 * read 37 Mpps) */
	st.tsc0 = rte_get_tsc_cycles();
	if (st.t.start(st.t.arg) < 0) {
		cmdline_printf(cl, "cannot launch the workers\n");
		return;
	}
	st.running = true;
	cmdline_printf(cl, "%s %s, size %s, %u SA(s), %u worker(s): running (%s)\n",
		       st.o->algs[0]->name, st.o->dir[BENCH_OUT] ? "outbound" : "inbound",
		       bench_size_name(st.o->sizes[0], sz, sizeof(sz)), st.o->sas, st.t.n,
		       bench_harness_worker_path(st.h) ? "worker path" : "esp-lib+forward");
}

static void do_stop(struct cmdline *cl)
{
	double dt, hz = (double)rte_get_tsc_hz(), total = 0;

	if (!st.running) {
		cmdline_printf(cl, "not running\n");
		return;
	}
	st.t.stop(st.t.arg);
	st.running = false;
	dt = (double)(rte_get_tsc_cycles() - st.tsc0) / hz;
	for (unsigned i = 0; i < st.t.n; i++) {
		uint64_t pkts = packets(i) - st.pkts0[i];
		double excl = (double)(st.t.count[i]->excluded - st.excl0[i]) / hz;
		double mpps = dt > excl ? (double)pkts / (dt - excl) / 1e6 : 0;

		total += mpps;
		cmdline_printf(cl, "worker %u: %" PRIu64 " packets, %.3f Mpps", i, pkts, mpps);
		/* Said on every stop under staged, even one before the first
		 * burst: the rate above is only readable with it. */
		if (st.o->rx == BENCH_RX_STAGED)
			cmdline_printf(cl, " (rx staged: %.1f ns a packet of frame copy left out)",
				       pkts ? excl * 1e9 / (double)pkts : 0);
		cmdline_printf(cl, "\n");
	}
	cmdline_printf(cl, "total: %.3f Mpps, %.2f Gbit/s over ", total,
		       total * st.t.mean_size * 8 / 1e3);
	/* a stop right after start read "over 0.0 s" */
	if (dt < BENCH_SLICE_S)
		cmdline_printf(cl, "%.3f ms (the workers' start counted in: too short a "
			       "time for a rate)\n", dt * 1e3);
	else
		cmdline_printf(cl, "%.1f s\n", dt);
}

struct cmd_word { cmdline_fixed_string_t w1, w2, w3; };

static void cmd_start_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res;
	(void)data;
	do_start(cl);
}

static void cmd_stop_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res;
	(void)data;
	do_stop(cl);
}

static void cmd_quit_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res;
	(void)data;
	if (st.running)
		do_stop(cl);
	st.quit = true;
	cmdline_quit(cl);
}

static void cmd_show_parsed(void *res, struct cmdline *cl, void *data)
{
	const struct cmd_word *r = res;

	(void)cl;
	(void)data;
	fflush(stdout);
	if (strcmp(r->w2, "port") == 0)
		bench_harness_show_ports(st.h, stdout);
	else if (st.prepared)
		bench_harness_show_crypto(st.h, stdout);
	else
		printf("no SAs yet: start first\n");
	fflush(stdout);
}

/* testpmd's users type help first; without it they read "Command not
 * found" */
static void cmd_help_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res;
	(void)data;
	for (cmdline_parse_ctx_t *c = st.commands; *c; c++)
		cmdline_printf(cl, "  %s\n", (*c)->help_str);
}

static cmdline_parse_token_string_t tok_start =
	TOKEN_STRING_INITIALIZER(struct cmd_word, w1, "start");
static cmdline_parse_token_string_t tok_stop =
	TOKEN_STRING_INITIALIZER(struct cmd_word, w1, "stop");
static cmdline_parse_token_string_t tok_quit =
	TOKEN_STRING_INITIALIZER(struct cmd_word, w1, "quit");
static cmdline_parse_token_string_t tok_help =
	TOKEN_STRING_INITIALIZER(struct cmd_word, w1, "help");
static cmdline_parse_token_string_t tok_show =
	TOKEN_STRING_INITIALIZER(struct cmd_word, w1, "show");
static cmdline_parse_token_string_t tok_what =
	TOKEN_STRING_INITIALIZER(struct cmd_word, w2, "port#crypto");
static cmdline_parse_token_string_t tok_stats =
	TOKEN_STRING_INITIALIZER(struct cmd_word, w3, "stats");

static cmdline_parse_inst_t cmd_start = {
	.f = cmd_start_parsed, .help_str = "start: start the data path",
	.tokens = { (void *)&tok_start, NULL },
};
static cmdline_parse_inst_t cmd_stop = {
	.f = cmd_stop_parsed, .help_str = "stop: stop it and print the rate since start",
	.tokens = { (void *)&tok_stop, NULL },
};
static cmdline_parse_inst_t cmd_quit = {
	.f = cmd_quit_parsed, .help_str = "quit: stop and leave",
	.tokens = { (void *)&tok_quit, NULL },
};
static cmdline_parse_inst_t cmd_show = {
	.f = cmd_show_parsed, .help_str = "show port|crypto stats: the ports' or SAs' counters",
	.tokens = { (void *)&tok_show, (void *)&tok_what, (void *)&tok_stats, NULL },
};
static cmdline_parse_inst_t cmd_help = {
	.f = cmd_help_parsed, .help_str = "help: these lines",
	.tokens = { (void *)&tok_help, NULL },
};

static cmdline_parse_ctx_t commands[] = {
	(cmdline_parse_inst_t *)&cmd_start, (cmdline_parse_inst_t *)&cmd_stop,
	(cmdline_parse_inst_t *)&cmd_show, (cmdline_parse_inst_t *)&cmd_quit,
	(cmdline_parse_inst_t *)&cmd_help, NULL,
};

/* The terminal as it was before the prompt: cmdline_stdin_new turns off
 * its canonical mode and echo, and only cmdline_stdin_exit turned them
 * back on, so a SIGTERM or SIGHUP at the prompt left the shell typing
 * blind (check19; testpmd's handler gives the terminal back). */
static struct termios saved_term;
static volatile sig_atomic_t term_saved;

void bench_prompt_restore_terminal(void)
{
	if (term_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_term);
}

int bench_prompt(struct bench_harness *h, const struct bench_opts *o)
{
	struct cmdline *cl;

	st.h = h;
	st.o = o;
	st.commands = commands;
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_term) == 0)
		term_saved = 1;
	cl = cmdline_stdin_new(commands, "flexgw-bench> ");
	if (cl == NULL) {
		term_saved = 0;
		return -1;
	}
	cmdline_interact(cl);
	/* the end of stdin without quit: as quit, after the prompt's line */
	if (!st.quit) {
		cmdline_printf(cl, "\n");
		if (st.running)
			do_stop(cl);
	}
	cmdline_stdin_exit(cl);
	term_saved = 0;
	if (st.prepared)
		bench_harness_finish(h);
	return 0;
}
