/* Tunnel interfaces and the IPsec SAs that protect them: what the control
 * plane (and flexgw-bench) calls to put tunnels into the data plane.
 * Control lcore only (one thread); none of these block except the SA
 * replace/delete calls, which wait for an RCU grace period before freeing.
 *
 * A tunnel is an interface (struct fgw_if, kind FGW_IF_TUNNEL) that routes
 * point at with a FGW_NH_TUNNEL next hop. Two kinds:
 *   FGW_TUNNEL_IPSEC  static VTI: the inner packet goes into an ESP tunnel-
 *                     mode SA whose outer header carries the tunnel's src
 *                     and dst;
 *   FGW_TUNNEL_GRE    GRE (RFC 2784, key per RFC 2890) between src and dst,
 *                     that outer packet protected by an ESP transport-mode
 *                     SA. IPv4 and IPv6 inner packets both ways.
 *
 * SAs: the caller allocates them (fgw_sa_alloc), fills the plain fields,
 * derives them (fgw_sa_prepare with fgw_dp_crypto_mgr(dp), see
 * dataplane/ipsec/sa_setup.h), then hands them over here. From then on the
 * data plane owns them and frees them (fgw_sa_free) after an RCU grace
 * period once replaced or deleted; the caller may still read their
 * counters until it deletes them.
 *
 * Publication is an atomic pointer store into a table the workers read
 * per packet (see dp.h for why not a message). A swap is therefore exact:
 * every packet sees either the old SA or the new one. */
#ifndef FGW_TUNNEL_H
#define FGW_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>

#include "common/addr.h"
#include "common/sa.h"
#include "dataplane/dp.h"

enum fgw_tunnel_kind {
	FGW_TUNNEL_IPSEC = 1,		/* "mode ipsec ipv4|ipv6": ESP tunnel mode */
	FGW_TUNNEL_GRE,			/* "mode gre ipv4|ipv6": GRE in ESP transport mode */
};

struct fgw_tunnel_params {
	const char *name;		/* interface name, e.g. "Tunnel0" */
	uint8_t kind;			/* enum fgw_tunnel_kind */
	struct fgw_addr src;		/* outer source: one of our addresses */
	struct fgw_addr dst;		/* outer destination, same family */
	uint16_t mtu;			/* inner IP MTU; 0: 1500 minus the worst
					 * case ESP (and GRE) overhead */
	uint16_t tcp_mss;		/* clamp TCP SYN MSS both ways; 0: off */
	bool gre_key_set;		/* GRE: send and require this key */
	uint32_t gre_key;
	struct fgw_prefix addr4;	/* the tunnel's own addresses; family 0: none */
	struct fgw_prefix addr6;
	bool shutdown;			/* administratively down: routes into it drop */
};

/* Adds a tunnel interface, up unless p->shutdown. Its workers read
 * whether it is up from their own lines of it (struct fgw_tunnel_worker),
 * so that flag is set here and nowhere else. Returns its ifindex, or -1
 * with a line in err. */
int fgw_tunnel_add(struct fgw_dp *dp, const struct fgw_tunnel_params *p,
		   char *err, size_t errlen);

/* Removes a tunnel without pausing other traffic: the interface goes
 * down, its outbound SA and every inbound SA bound to it leave the tables,
 * and after one RCU grace period (no worker can hold them any more) they
 * and the tunnel are freed and the ifindex becomes free for the next
 * fgw_tunnel_add. Routes are the caller's: remove every route through the
 * tunnel first (until then its packets are dropped as IF_DOWN). 0, or -1
 * when ifindex is not a tunnel. */
int fgw_tunnel_del(struct fgw_dp *dp, uint32_t ifindex);

/* The outer endpoints a tunnel was added with (src is ours), for IKE to
 * find the peer. -1 when ifindex is not a tunnel. */
int fgw_tunnel_endpoints(const struct fgw_dp *dp, uint32_t ifindex, struct fgw_addr *src,
			 struct fgw_addr *dst);

/* The IPsec-MB manager to derive SA key schedules with (fgw_sa_prepare):
 * one of the workers' architecture, used by the control lcore only. */
IMB_MGR *fgw_dp_crypto_mgr(struct fgw_dp *dp);

/* Outbound: makes sa the tunnel's SA (mode tunnel for FGW_TUNNEL_IPSEC,
 * transport for FGW_TUNNEL_GRE; src/dst the tunnel's). The previous one,
 * if any, is freed after a grace period. sa NULL removes it (packets are
 * then dropped, NO_SA). 0, or -1 with a line in err. */
int fgw_tunnel_sa_out_set(struct fgw_dp *dp, uint32_t ifindex, struct fgw_sa *sa,
			  char *err, size_t errlen);

/* Inbound: sa (FGW_SA_F_INBOUND) decrypts what arrives for sa->spi and
 * its inner packets come in on tunnel ifindex; it is processed only by
 * worker `worker` (it owns the replay window; other workers hand its
 * packets over). Slot: sa->spi masked to the table size (dp params
 * max_sas), so SPIs from fgw_spi_make with an index below max_sas never
 * collide; -1 when the slot is taken. For make-before-break, add the new
 * inbound SA, switch the peer, then delete the old one. */
int fgw_sa_in_add(struct fgw_dp *dp, uint32_t ifindex, struct fgw_sa *sa, unsigned worker,
		  char *err, size_t errlen);
/* Removes the inbound SA with this SPI, frees it after a grace period.
 * -1 when there is none. */
int fgw_sa_in_del(struct fgw_dp *dp, uint32_t spi);
/* For show commands: the SA, or NULL. */
struct fgw_sa *fgw_sa_in_get(const struct fgw_dp *dp, uint32_t spi);
struct fgw_sa *fgw_tunnel_sa_out_get(const struct fgw_dp *dp, uint32_t ifindex);
/* The inbound SAs bound to tunnel ifindex, *n of them (0 when it is not a
 * tunnel): valid until the next SA or tunnel change. */
struct fgw_sa *const *fgw_tunnel_sa_in_list(const struct fgw_dp *dp, uint32_t ifindex,
					    unsigned *n);

/* For packets the control lcore originates: m is an Ethernet frame (the
 * header's ethertype set, addresses ignored) holding an IP packet that
 * fits the tunnel MTU; a worker encrypts and sends it like one it
 * forwarded. Takes ownership of m. 0, or -errno (m freed). */
int fgw_tunnel_inject(struct fgw_dp *dp, struct rte_mbuf *m, uint32_t ifindex);

/* Per tunnel counters, summed over the workers. rx: decrypted inner
 * packets that came in on the tunnel; tx: inner packets sent into it;
 * drops: inner packets lost on the way in or out (the reason is counted in
 * the worker stats), rx_drops + tx_drops. rx_sa_drops: ESP packets its
 * inbound SAs dropped (replay, integrity...: by reason on each SA), those
 * of SAs deleted since (rekeys) included. */
struct fgw_tunnel_counters {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t drops;
	uint64_t rx_drops, tx_drops;
	uint64_t rx_sa_drops;
};
void fgw_tunnel_counters_sum(const struct fgw_dp *dp, uint32_t ifindex,
			     struct fgw_tunnel_counters *out);

/* "clear counters" for tunnels: from now on fgw_tunnel_counters_sum and
 * fgw_sa_counters count from zero, for every tunnel and every SA, in and
 * out (IOS "clear crypto sa counters"). Workers keep counting; only the
 * baselines the control lcore subtracts move, so SA lifetimes still see
 * every packet. */
void fgw_tunnels_counters_clear(struct fgw_dp *dp);
/* An SA's counters since the last clear. */
void fgw_sa_counters(const struct fgw_sa *sa, struct fgw_sa_stats *out);
/* The drops in st, every reason summed (#send and #recv errors). */
uint64_t fgw_sa_stats_drops(const struct fgw_sa_stats *st);

#endif
