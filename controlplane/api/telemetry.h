/* Telemetry shares the control lcore's state with DPDK's telemetry thread
 * until the control lcore takes it back. */
#ifndef FGW_API_TELEMETRY_H
#define FGW_API_TELEMETRY_H

/* From here on the telemetry commands answer with an error instead of
 * reading the data plane; returns once no callback is still reading it.
 * Called at exit before the data plane is torn down (DPDK 22.11 cannot
 * unregister a telemetry command). */
void fgw_telemetry_detach(void);

#endif
