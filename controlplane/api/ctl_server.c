/* The control socket flexctl talks to.
 *
 * Protocol, one request per connection:
 *   client -> server   one line of words separated by spaces, ended by '\n'
 *                      (or by the client shutting down its write side),
 *                      at most 4096 bytes including the '\n';
 *                      e.g. "show ip route --json\n"
 *   server -> client   a status line, "OK <n>\n" or "ERR <n>\n", then
 *                      exactly n bytes of text to print as they are, then
 *                      the server closes the connection.
 * flexctl prints the n bytes (stdout after OK, stderr after ERR) and exits
 * 0 or 1; the byte count lets it tell a complete reply from a cut one.
 *
 * The control lcore serves it between punts and timers, so nothing here may
 * block: every socket is non-blocking, poll() is asked with a zero timeout,
 * a reply is queued whole and written as fast as the client takes it, and
 * connections are bounded in number, size and idle time. The socket is mode
 * 0600: whoever can talk to it can clear counters and, later, tear down
 * tunnels. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "api/commands.h"
#include "api/telemetry.h"
#include "common/log.h"
#include "controlplane/control.h"

#define CTL_MAX_CONNS 16
#define CTL_REQUEST_MAX 4096
#define CTL_IDLE_SECONDS 5
/* One poll() per millisecond at most: the control lcore loops much faster
 * than that, and a syscall per loop would tax every punted packet. */
#define CTL_POLLS_PER_SECOND 1000

struct conn {
	int fd;				/* -1: free slot */
	char in[CTL_REQUEST_MAX + 1];	/* + room for the terminating NUL */
	size_t in_len;
	char *out;			/* the whole reply once the request ran */
	size_t out_len, out_sent;
	uint64_t deadline;		/* timer cycles: closed if still open then */
};

struct fgw_ctl_server {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;			/* the socket file we created, so that */
	ino_t ino;			/* close removes ours and nobody else's */
	uint64_t next_poll;
	struct conn conns[CTL_MAX_CONNS];
	struct fgw_counters_baseline baseline;
};

static uint64_t idle_deadline(void)
{
	return rte_get_timer_cycles() + CTL_IDLE_SECONDS * rte_get_timer_hz();
}

static void conn_close(struct conn *cn)
{
	close(cn->fd);
	free(cn->out);
	cn->fd = -1;
	cn->out = NULL;
	cn->in_len = cn->out_len = cn->out_sent = 0;
}

/* Sends what the socket takes now; closes the connection once all is sent
 * or the client is gone. Returns true when it made progress. */
static bool conn_flush(struct conn *cn)
{
	ssize_t n = send(cn->fd, cn->out + cn->out_sent, cn->out_len - cn->out_sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return false;
		conn_close(cn);
		return false;
	}
	cn->out_sent += (size_t)n;
	cn->deadline = idle_deadline();
	if (cn->out_sent == cn->out_len)
		conn_close(cn);
	return true;
}

static void conn_reply(struct conn *cn, bool ok, const char *body, size_t len)
{
	char head[32];
	int hl = snprintf(head, sizeof(head), "%s %zu\n", ok ? "OK" : "ERR", len);

	cn->out = malloc((size_t)hl + len);
	if (cn->out == NULL) {
		conn_close(cn);
		return;
	}
	memcpy(cn->out, head, (size_t)hl);
	memcpy(cn->out + hl, body, len);
	cn->out_len = (size_t)hl + len;
	cn->out_sent = 0;
	conn_flush(cn);
}

static void conn_error(struct conn *cn, const char *msg)
{
	conn_reply(cn, false, msg, strlen(msg));
}

static void conn_run(struct fgw_control *c, struct conn *cn)
{
	struct fgw_text out = { 0 };
	bool ok;

	cn->in[cn->in_len] = '\0';
	cn->in[strcspn(cn->in, "\r\n")] = '\0';
	FGW_DEBUG("ctl: request \"%s\"", cn->in);
	ok = fgw_cmd_run(c, &c->ctl->baseline, cn->in, &out);
	c->stats.ctl_requests++;
	if (!ok)
		c->stats.ctl_errors++;
	conn_reply(cn, ok, out.buf != NULL ? out.buf : "", out.len);
	fgw_text_free(&out);
}

/* Reads what has arrived; runs the request once its line is complete. */
static bool conn_read(struct fgw_control *c, struct conn *cn)
{
	ssize_t n = recv(cn->fd, cn->in + cn->in_len, CTL_REQUEST_MAX - cn->in_len,
			 MSG_DONTWAIT);

	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_close(cn);
		return false;
	}
	if (n == 0) {
		/* The client shut down its side: what it sent is the request. */
		if (cn->in_len == 0)
			conn_close(cn);
		else
			conn_run(c, cn);
		return true;
	}
	cn->deadline = idle_deadline();
	if (memchr(cn->in + cn->in_len, '\n', (size_t)n) != NULL) {
		cn->in_len += (size_t)n;
		conn_run(c, cn);
	} else if ((cn->in_len += (size_t)n) == CTL_REQUEST_MAX) {
		c->stats.ctl_errors++;
		conn_error(cn, "% Request longer than 4096 bytes\n");
	}
	return true;
}

static unsigned accept_all(struct fgw_ctl_server *s)
{
	unsigned accepted = 0;

	for (;;) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		unsigned i;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				FGW_WARN("ctl: accept: %s", strerror(errno));
			return accepted;
		}
		accepted++;
		for (i = 0; i < CTL_MAX_CONNS && s->conns[i].fd >= 0; i++)
			;
		if (i == CTL_MAX_CONNS) {
			static const char msg[] = "% Too many control connections\n";
			char busy[64];
			int len = snprintf(busy, sizeof(busy), "ERR %zu\n%s", sizeof(msg) - 1, msg);

			/* Best effort: so short a reply fits any socket buffer. */
			if (send(fd, busy, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				FGW_DEBUG("ctl: busy reply: %s", strerror(errno));
			close(fd);
			continue;
		}
		s->conns[i].fd = fd;
		s->conns[i].in_len = 0;
		s->conns[i].deadline = idle_deadline();
	}
}

unsigned fgw_ctl_server_poll(struct fgw_control *c)
{
	struct fgw_ctl_server *s = c->ctl;
	struct pollfd pfd[1 + CTL_MAX_CONNS];
	unsigned slot[1 + CTL_MAX_CONNS];
	unsigned n = 0, work = 0;
	uint64_t now = rte_get_timer_cycles();

	if (s == NULL || now < s->next_poll)
		return 0;
	s->next_poll = now + rte_get_timer_hz() / CTL_POLLS_PER_SECOND;

	pfd[n++] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++) {
		struct conn *cn = &s->conns[i];

		if (cn->fd < 0)
			continue;
		slot[n] = i;
		pfd[n++] = (struct pollfd){ .fd = cn->fd,
					    .events = cn->out != NULL ? POLLOUT : POLLIN };
	}
	if (poll(pfd, n, 0) < 0)
		return 0;

	for (unsigned k = 1; k < n; k++) {
		struct conn *cn = &s->conns[slot[k]];

		/* Idle means the client sent or took nothing: a connection
		 * with something to do is served first, so that a control lcore
		 * kept off its CPU for a while (a loaded host) does not count
		 * that time against the client. */
		if (pfd[k].revents == 0) {
			if (now > cn->deadline)
				conn_close(cn);
			continue;
		}
		if (cn->out != NULL)
			work += conn_flush(cn);
		else if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
			work += conn_read(c, cn);
	}
	if (pfd[0].revents & POLLIN)
		work += accept_all(s);
	return work;
}

/* mkdir -p of the socket's directory. */
static int make_parents(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "control socket directory %s: %s", dir,
				 strerror(errno));
			return -1;
		}
		*p = '/';
	}
	return 0;
}

/* A socket file left by a flexgw that died is removed; one a running
 * flexgw still answers on, or anything that is not a socket, is not. */
static int remove_stale(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int fd, r, e;

	if (lstat(sa->sun_path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control socket %s: exists and is not a socket",
			 sa->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	e = errno;
	close(fd);
	if (r == 0 || e == EAGAIN) {
		snprintf(err, errlen, "control socket %s: in use by a running flexgw",
			 sa->sun_path);
		return -1;
	}
	if (e != ECONNREFUSED) {
		snprintf(err, errlen, "control socket %s: %s", sa->sun_path, strerror(e));
		return -1;
	}
	if (unlink(sa->sun_path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "control socket %s: removing stale socket: %s",
			 sa->sun_path, strerror(errno));
		return -1;
	}
	return 0;
}

int fgw_ctl_server_open(struct fgw_control *c, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fgw_ctl_server *s;
	struct stat st;
	mode_t mask;
	int r;

	if (path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path \"%s\": empty or longer than %zu bytes",
			 path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (make_parents(path, err, errlen) != 0 || remove_stale(&sa, err, errlen) != 0)
		return -1;

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "control socket: out of memory");
		return -1;
	}
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++)
		s->conns[i].fd = -1;
	memcpy(s->path, path, strlen(path) + 1);
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		free(s);
		return -1;
	}
	/* Created 0600 from the start, not chmod-ed after a window in which
	 * anyone could connect. */
	mask = umask(0177);
	r = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(mask);
	if (r != 0 || chmod(path, 0600) != 0 || listen(s->fd, CTL_MAX_CONNS) != 0 ||
	    stat(path, &st) != 0) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		if (r == 0)
			unlink(path);
		close(s->fd);
		free(s);
		return -1;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	c->ctl = s;
	FGW_INFO("control socket %s", path);
	return 0;
}

void fgw_ctl_server_close(struct fgw_control *c)
{
	struct fgw_ctl_server *s = c->ctl;
	struct stat st;

	/* flexctl and telemetry leave together, before main tears down the
	 * data plane they both read. */
	fgw_telemetry_detach();
	if (s == NULL)
		return;
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++)
		if (s->conns[i].fd >= 0)
			conn_close(&s->conns[i]);
	close(s->fd);
	if (lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free(s);
	c->ctl = NULL;
}
