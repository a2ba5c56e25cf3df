/* Counters for DPDK telemetry (dpdk-telemetry.py, or any client of the
 * telemetry socket):
 *   /flexgw/stats          all workers summed, drops and punts by reason,
 *                          and the control lcore's counters
 *   /flexgw/workers        the worker ids
 *   /flexgw/worker,<id>    one worker's counters
 *   /flexgw/interfaces     per port packets and bytes, by interface name
 *
 * These callbacks run on DPDK's telemetry thread, beside the control lcore
 * and the workers, so they read counters only: each is a uint64_t with a
 * single writer, read whole, so a reader sees a value at most a moment old.
 * The RIB, the neighbour table and flexctl's clear-counters baseline are
 * changed in place by the control lcore; reading them here would need a
 * lock the control lcore must never wait for, so telemetry leaves them to
 * flexctl and reports raw counters that only ever grow, as monitoring
 * systems expect. The workers and interfaces exist before registration and
 * never change afterwards, until exit: fgw_telemetry_detach() then waits
 * out any callback still reading before the data plane is freed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_pause.h>
#include <rte_telemetry.h>

#include "api/counters.h"
#include "api/telemetry.h"
#include "controlplane/control.h"

/* DPDK 22.11 telemetry callbacks carry no user pointer. */
static const struct fgw_control *tel_ctl;
static unsigned tel_readers;		/* callbacks between enter() and leave() */

/* The control state, or NULL once detached. A reader announces itself
 * before it looks, and detach clears the pointer before it counts readers
 * (both sequentially consistent), so detach either sees the reader or the
 * reader sees NULL. */
static const struct fgw_control *enter(void)
{
	const struct fgw_control *c;

	__atomic_fetch_add(&tel_readers, 1, __ATOMIC_SEQ_CST);
	c = __atomic_load_n(&tel_ctl, __ATOMIC_SEQ_CST);
	if (c == NULL)
		__atomic_fetch_sub(&tel_readers, 1, __ATOMIC_SEQ_CST);
	return c;
}

static void leave(void)
{
	__atomic_fetch_sub(&tel_readers, 1, __ATOMIC_SEQ_CST);
}

void fgw_telemetry_detach(void)
{
	__atomic_store_n(&tel_ctl, NULL, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&tel_readers, __ATOMIC_SEQ_CST) != 0)
		rte_pause();
}

static struct rte_tel_data *reasons(const uint64_t *v, const char *const *names, unsigned n)
{
	struct rte_tel_data *d = rte_tel_data_alloc();

	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	for (unsigned r = 0; r < n; r++)
		rte_tel_data_add_dict_u64(d, names[r], v[r]);
	return d;
}

static void add_container(struct rte_tel_data *d, const char *name, struct rte_tel_data *c)
{
	if (c != NULL && rte_tel_data_add_dict_container(d, name, c, 0) != 0)
		rte_tel_data_free(c);
}

static void worker_dict(struct rte_tel_data *d, const struct fgw_worker_stats *s)
{
	uint64_t dropped = 0;

	for (unsigned r = 0; r < FGW_DROP_MAX; r++)
		dropped += s->drop[r];
	rte_tel_data_add_dict_u64(d, "rx", s->rx);
	rte_tel_data_add_dict_u64(d, "forwarded", s->forwarded);
	rte_tel_data_add_dict_u64(d, "fragmented", s->fragmented);
	rte_tel_data_add_dict_u64(d, "punted", s->punted);
	rte_tel_data_add_dict_u64(d, "dropped", dropped);
	rte_tel_data_add_dict_u64(d, "injected", s->injected);
	rte_tel_data_add_dict_u64(d, "msgs", s->msgs);
	rte_tel_data_add_dict_u64(d, "polls", s->polls);
	rte_tel_data_add_dict_u64(d, "idle_polls", s->idle_polls);
	add_container(d, "drops", reasons(s->drop, fgw_drop_reason_names, FGW_DROP_MAX));
	add_container(d, "punts", reasons(s->punt, fgw_punt_reason_names, FGW_PUNT_MAX));
}

static int tel_stats(const struct fgw_control *c, const char *params, struct rte_tel_data *d)
{
	struct fgw_worker_stats sum;
	struct fgw_control_stats cs;
	struct rte_tel_data *control;

	(void)params;
	fgw_dp_stats_sum(c->dp, &sum);
	fgw_counters_read_control(c, &cs);
	rte_tel_data_start_dict(d);
	worker_dict(d, &sum);
	control = rte_tel_data_alloc();
	if (control != NULL) {
		rte_tel_data_start_dict(control);
		/* Telemetry nests one level only: the punts the control lcore
		 * handled sit beside its other counters, named punt_<reason>. */
		for (unsigned r = 0; r < FGW_PUNT_MAX; r++) {
			char name[64];

			snprintf(name, sizeof(name), "punt_%s", fgw_punt_reason_names[r]);
			rte_tel_data_add_dict_u64(control, name, cs.punt_rx[r]);
		}
		for (unsigned i = 0; i < fgw_n_control_counters; i++) {
			uint64_t v;

			memcpy(&v, (const char *)&cs + fgw_control_counters[i].offset, sizeof(v));
			rte_tel_data_add_dict_u64(control, fgw_control_counters[i].key, v);
		}
	}
	add_container(d, "control", control);
	return 0;
}

static int tel_workers(const struct fgw_control *c, const char *params, struct rte_tel_data *d)
{
	(void)params;
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (unsigned w = 0; w < c->dp->n_workers; w++)
		rte_tel_data_add_array_int(d, (int)w);
	return 0;
}

static int tel_worker(const struct fgw_control *c, const char *params, struct rte_tel_data *d)
{
	const struct fgw_dp *dp = c->dp;
	struct fgw_worker_stats s;
	unsigned long w;
	char *end;

	if (params == NULL || params[0] < '0' || params[0] > '9')
		return -EINVAL;
	w = strtoul(params, &end, 10);
	if (*end != '\0' || w >= dp->n_workers)
		return -EINVAL;
	fgw_counters_read_worker(dp->workers[w], &s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "worker", w);
	rte_tel_data_add_dict_u64(d, "lcore", dp->workers[w]->lcore);
	worker_dict(d, &s);
	return 0;
}

static int tel_interfaces(const struct fgw_control *c, const char *params,
			  struct rte_tel_data *d)
{
	const struct fgw_dp *dp = c->dp;
	struct fgw_worker_stats sum;

	(void)params;
	fgw_dp_stats_sum(dp, &sum);
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < dp->n_ifs; i++) {
		const struct fgw_if *ifp = &dp->ifs[i];
		const struct fgw_port_stats *p;
		struct rte_tel_data *o;

		if (ifp->kind != FGW_IF_PORT || ifp->port_id >= FGW_STATS_MAX_PORTS)
			continue;
		o = rte_tel_data_alloc();
		if (o == NULL)
			return -ENOMEM;
		p = &sum.port[ifp->port_id];
		rte_tel_data_start_dict(o);
		rte_tel_data_add_dict_u64(o, "port_id", ifp->port_id);
		rte_tel_data_add_dict_u64(o, "rx_packets", p->rx_packets);
		rte_tel_data_add_dict_u64(o, "rx_bytes", p->rx_bytes);
		rte_tel_data_add_dict_u64(o, "tx_packets", p->tx_packets);
		rte_tel_data_add_dict_u64(o, "tx_bytes", p->tx_bytes);
		add_container(d, ifp->name, o);
	}
	return 0;
}

static const struct {
	const char *cmd;
	int (*fn)(const struct fgw_control *c, const char *params, struct rte_tel_data *d);
	const char *help;
} tel_cmds[] = {
	{ "/flexgw/stats", tel_stats,
	  "flexgw data-plane totals, drops and punts by reason, control lcore counters. "
	  "No parameters" },
	{ "/flexgw/workers", tel_workers, "flexgw worker ids. No parameters" },
	{ "/flexgw/worker", tel_worker, "flexgw counters of one worker. Parameters: int worker_id" },
	{ "/flexgw/interfaces", tel_interfaces,
	  "flexgw packets and bytes per port interface. No parameters" },
};

/* Every command comes here, so each holds the control state only between
 * enter() and leave(). */
static int tel_dispatch(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct fgw_control *c = enter();
	int rc = -EINVAL;

	if (c == NULL)
		return -ENODEV;	/* shutting down */
	for (unsigned i = 0; i < RTE_DIM(tel_cmds); i++)
		if (strcmp(cmd, tel_cmds[i].cmd) == 0)
			rc = tel_cmds[i].fn(c, params, d);
	leave();
	return rc;
}

int fgw_telemetry_register(struct fgw_control *c)
{
	__atomic_store_n(&tel_ctl, c, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < RTE_DIM(tel_cmds); i++)
		if (rte_telemetry_register_cmd(tel_cmds[i].cmd, tel_dispatch, tel_cmds[i].help) != 0)
			return -1;
	return 0;
}
