/* Logging for the control plane and tools. Workers never log: they count. */
#ifndef FGW_LOG_H
#define FGW_LOG_H

enum fgw_log_level { FGW_LOG_ERR, FGW_LOG_WARN, FGW_LOG_NOTICE, FGW_LOG_INFO, FGW_LOG_DEBUG };

void fgw_log_set_level(enum fgw_log_level level);
enum fgw_log_level fgw_log_get_level(void);
void fgw_log(enum fgw_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define FGW_ERR(...) fgw_log(FGW_LOG_ERR, __VA_ARGS__)
#define FGW_WARN(...) fgw_log(FGW_LOG_WARN, __VA_ARGS__)
#define FGW_NOTICE(...) fgw_log(FGW_LOG_NOTICE, __VA_ARGS__)
#define FGW_INFO(...) fgw_log(FGW_LOG_INFO, __VA_ARGS__)
#define FGW_DEBUG(...) do { if (fgw_log_get_level() >= FGW_LOG_DEBUG) \
	fgw_log(FGW_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
