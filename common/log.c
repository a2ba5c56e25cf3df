#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum fgw_log_level current = FGW_LOG_INFO;
static const char *const names[] = { "ERR", "WARN", "NOTICE", "INFO", "DEBUG" };

void fgw_log_set_level(enum fgw_log_level level) { current = level; }
enum fgw_log_level fgw_log_get_level(void) { return current; }

/* IOS-like "%FACILITY-SEVERITY" is for syslog; on stderr a timestamp and the
 * level are what an operator greps for. */
void fgw_log(enum fgw_log_level level, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	va_list ap;

	if (level > current)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld flexgw %s: ", stamp, ts.tv_nsec / 1000000, names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
