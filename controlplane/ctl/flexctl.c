/* flexctl: ask a running flexgw one question on its control socket.
 *
 *   flexctl [-s SOCKET] WORDS... [--json]
 *
 * The words go to flexgw as one line; flexgw matches them against its
 * command table (see controlplane/api/ctl_server.c for the protocol) and
 * answers "OK <n>" or "ERR <n>" and n bytes. We print those bytes as they
 * are: to stdout and exit 0 after OK, to stderr and exit 1 after ERR. Exit
 * 2 means we could not get an answer at all. No DPDK here: flexctl must run
 * wherever an operator has a shell. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/flexgw/flexgw.sock"
#define REQUEST_MAX 4096		/* the server's limit, '\n' included */
#define REPLY_TIMEOUT_SECONDS 30	/* a big table is built in milliseconds */

enum { EXIT_CMD_ERROR = 1, EXIT_NO_ANSWER = 2 };

static void usage(FILE *f)
{
	fprintf(f, "usage: flexctl [-s SOCKET] COMMAND... [--json]\n"
		   "  -s SOCKET  flexgw control socket (default $FLEXCTL_SOCKET or %s)\n"
		   "  flexctl help    lists the commands; words may be abbreviated (sh ip ro)\n",
		DEFAULT_SOCKET);
}

static int join_words(int argc, char **argv, char *line, size_t len)
{
	size_t n = 0;

	for (int i = 0; i < argc; i++) {
		size_t wl = strlen(argv[i]);

		if (strpbrk(argv[i], "\r\n") != NULL) {
			fprintf(stderr, "flexctl: a command word cannot contain a line break\n");
			return -1;
		}
		if (n + wl + 2 > len) {	/* the word, a space or '\n', the NUL */
			fprintf(stderr, "flexctl: command longer than %d bytes\n", REQUEST_MAX - 1);
			return -1;
		}
		memcpy(line + n, argv[i], wl);
		n += wl;
		line[n++] = i + 1 < argc ? ' ' : '\n';
	}
	line[n] = '\0';
	return (int)n;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_SECONDS };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "flexctl: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "flexctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "flexctl: cannot connect to %s: %s: is flexgw running?\n", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The whole reply, read before any of it is printed: flexgw closes a
 * connection that stops reading, and a pager on our stdout may stop. */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);

	while (buf != NULL) {
		ssize_t r;

		if (n == cap) {
			char *bigger = realloc(buf, cap * 2);

			if (bigger == NULL)
				break;
			buf = bigger;
			cap *= 2;
		}
		r = recv(fd, buf + n, cap - n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		/* flexgw closes at once after its reply; should anything we sent
		 * be left unread, the kernel reports that as a reset. The reply's
		 * byte count tells whether we have all of it. */
		if (r < 0 && errno == ECONNRESET)
			r = 0;
		if (r < 0) {
			fprintf(stderr, "flexctl: reading the reply: %s\n",
				errno == EAGAIN ? "timed out" : strerror(errno));
			break;
		}
		if (r == 0) {
			*len = n;
			return buf;
		}
		n += (size_t)r;
	}
	free(buf);
	return NULL;
}

/* "OK <n>\n" or "ERR <n>\n", then exactly n bytes. */
static int print_reply(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);
	char head[32];
	unsigned long long body;
	size_t hl;
	bool ok;
	char *end;

	if (nl == NULL || (size_t)(nl - buf) >= sizeof(head))
		goto bad;
	hl = (size_t)(nl - buf);
	memcpy(head, buf, hl);
	head[hl] = '\0';
	if (strncmp(head, "OK ", 3) == 0)
		ok = true;
	else if (strncmp(head, "ERR ", 4) == 0)
		ok = false;
	else
		goto bad;
	errno = 0;
	body = strtoull(head + (ok ? 3 : 4), &end, 10);
	if (errno != 0 || *end != '\0' || end == head + (ok ? 3 : 4) || body != len - hl - 1)
		goto bad;
	fwrite(nl + 1, 1, body, ok ? stdout : stderr);
	if (fflush(ok ? stdout : stderr) != 0)
		return EXIT_NO_ANSWER;
	return ok ? 0 : EXIT_CMD_ERROR;
bad:
	fprintf(stderr, "flexctl: incomplete or malformed reply from flexgw\n");
	return EXIT_NO_ANSWER;
}

int main(int argc, char **argv)
{
	const char *path = getenv("FLEXCTL_SOCKET");
	char line[REQUEST_MAX + 1];
	size_t reply_len;
	char *reply;
	int i, n, fd, rc;

	if (path == NULL || path[0] == '\0')
		path = DEFAULT_SOCKET;
	/* Options only before the command, so "--json" stays a command word. */
	for (i = 1; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--json") != 0; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			usage(stderr);
			return EXIT_NO_ANSWER;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_NO_ANSWER;
	}
	n = join_words(argc - i, argv + i, line, sizeof(line));
	if (n < 0)
		return EXIT_NO_ANSWER;
	fd = connect_to(path);
	if (fd < 0)
		return EXIT_NO_ANSWER;
	if (send_all(fd, line, (size_t)n) != 0) {
		fprintf(stderr, "flexctl: sending to %s: %s\n", path, strerror(errno));
		close(fd);
		return EXIT_NO_ANSWER;
	}
	reply = read_all(fd, &reply_len);
	close(fd);
	if (reply == NULL)
		return EXIT_NO_ANSWER;
	rc = print_reply(reply, reply_len);
	free(reply);
	return rc;
}
