/* flexgw-ikeload's loop: starts peers while fewer than the window are
 * negotiating (and the optional rate allows), reads every peer's socket,
 * retransmits, then holds the SAs and deletes them as asked. One thread:
 * the initiator's own DH and crypto are part of what it costs, and it
 * reports its CPU time so that cost can be taken into account. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "loadgen.h"

#define TICK_NS 20000000ull		/* retransmission scan */

static bool timed_out(const struct lg *lg, uint64_t now)
{
	return now - lg->st.t_begin > (uint64_t)lg->o.timeout_s * 1000000000ull;
}

static void poll_once(struct lg *lg, int timeout_ms)
{
	static uint8_t buf[FGW_IKE_MSG_MAX + FGW_IKE_NON_ESP_MARKER_LEN + 64];
	struct epoll_event ev[256];
	int n = epoll_wait(lg->epfd, ev, 256, timeout_ms);

	for (int i = 0; i < n; i++) {
		struct lg_peer *p = &lg->peers[ev[i].data.u32];
		ssize_t len;

		/* a handler may close the socket (failed, deleted) */
		while (p->fd >= 0 && (len = recv(p->fd, buf, sizeof(buf), 0)) >= 0)
			lg_peer_input(lg, p, buf, (size_t)len);
	}
}

static void scan_timers(struct lg *lg, uint64_t now)
{
	for (unsigned i = 0; i < lg->launched; i++)
		lg_peer_timer(lg, &lg->peers[i], now);
}

/* Runs the loop until done() says so or the run's deadline passes. */
static void run_until(struct lg *lg, bool (*done)(struct lg *, uint64_t), uint64_t *last_tick)
{
	uint64_t now;

	while (!done(lg, now = lg_now_ns()) && !timed_out(lg, now)) {
		poll_once(lg, 5);
		now = lg_now_ns();
		if (now - *last_tick >= TICK_NS) {
			scan_timers(lg, now);
			*last_tick = now;
		}
	}
}

static bool negotiated(struct lg *lg, uint64_t now)
{
	double elapsed = (double)(now - lg->st.t_begin) / 1e9;

	while (lg->launched < lg->o.n && lg->in_flight < lg->o.window &&
	       (lg->o.rate <= 0 || lg->launched < lg->o.rate * elapsed + 1)) {
		lg->st.requested++;
		lg_peer_start(lg, &lg->peers[lg->launched++]);
	}
	/* with --delete each, the deletes belong to this phase */
	return lg->launched == lg->o.n && lg->in_flight == 0 && lg->deleting == 0;
}

static uint64_t hold_until;

static bool held(struct lg *lg, uint64_t now)
{
	(void)lg;
	return now >= hold_until;
}

static unsigned next_delete;

static bool deleted(struct lg *lg, uint64_t now)
{
	(void)now;
	while (next_delete < lg->launched && lg->deleting < lg->o.window) {
		struct lg_peer *p = &lg->peers[next_delete++];

		if (p->state == LG_UP)
			lg_peer_delete(lg, p);
	}
	return next_delete == lg->launched && lg->deleting == 0;
}

/* A peer still negotiating when the run's deadline passed has failed. */
static void expire(struct lg *lg)
{
	for (unsigned i = 0; i < lg->launched; i++) {
		struct lg_peer *p = &lg->peers[i];

		if (p->state == LG_INIT_SENT || p->state == LG_AUTH_SENT)
			lg_peer_fail(lg, p, LG_FAIL_TIMEOUT, "run deadline");
	}
	lg->st.requested += lg->o.n - lg->launched;
	lg->st.failed += lg->o.n - lg->launched;
	lg->st.fails[LG_FAIL_TIMEOUT] += lg->o.n - lg->launched;
}

int main(int argc, char **argv)
{
	static struct lg lg;
	struct rlimit rl;
	uint64_t tick = 0;
	bool ok;

	if (lg_parse_args(&lg.o, argc, argv) < 0)
		return 2;
	/* one socket per peer */
	rl.rlim_cur = rl.rlim_max = lg.o.n + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < lg.o.n + 64) {
		rl.rlim_cur = rl.rlim_max = lg.o.n + 64 > rl.rlim_max ? lg.o.n + 64 : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			fprintf(stderr, "flexgw-ikeload: cannot raise the open file limit to %u: %s\n",
				lg.o.n + 64, strerror(errno));
	}
	lg.peers = calloc(lg.o.n, sizeof(*lg.peers));
	lg.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lg.peers == NULL || lg.epfd < 0) {
		perror("flexgw-ikeload");
		return 1;
	}
	for (unsigned i = 0; i < lg.o.n; i++) {
		lg.peers[i].fd = -1;
		lg.peers[i].index = lg.o.first_index + i;
	}
	lg.st.t_begin = lg_now_ns();
	run_until(&lg, negotiated, &tick);
	hold_until = lg_now_ns() + (uint64_t)lg.o.hold_s * 1000000000ull;
	run_until(&lg, held, &tick);
	if (lg.o.del == LG_DELETE_END) {
		lg.st.t_del_begin = lg_now_ns();
		run_until(&lg, deleted, &tick);
		lg.st.t_del_end = lg_now_ns();
	}
	if (timed_out(&lg, lg_now_ns()))
		expire(&lg);
	lg_report(&lg);
	ok = lg.st.established == lg.o.n;
	for (unsigned i = 0; i < lg.o.n; i++)
		lg_peer_free(&lg.peers[i]);
	free(lg.peers);
	close(lg.epfd);
	return ok ? 0 : 1;
}
