/* The traffic flexgw-bench makes: keys, addresses and packets. */
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dataplane/bench/bench.h"

const uint16_t bench_imix[BENCH_IMIX_LEN] = {
	64, 594, 64, 64, 594, 64, 1420, 64, 594, 64, 594, 64,
};

double bench_mean_size(unsigned size)
{
	double sum = 0;

	if (size != BENCH_SIZE_IMIX)
		return size;
	for (unsigned i = 0; i < BENCH_IMIX_LEN; i++)
		sum += bench_imix[i];
	return sum / BENCH_IMIX_LEN;
}

const char *bench_size_name(unsigned size, char *buf, unsigned len)
{
	if (size == BENCH_SIZE_IMIX)
		snprintf(buf, len, "imix");
	else
		snprintf(buf, len, "%u", size);
	return buf;
}

void bench_sa_keys(unsigned k, struct fgw_sa_keys *keys)
{
	for (unsigned i = 0; i < sizeof(keys->enc); i++)
		keys->enc[i] = (uint8_t)(i + 1);
	for (unsigned i = 0; i < sizeof(keys->auth); i++)
		keys->auth[i] = (uint8_t)(i + 33);
	/* the last 4 bytes of a 16-byte key (for GCM-128 the salt follows) */
	for (unsigned i = 0; i < 4; i++) {
		keys->enc[12 + i] ^= (uint8_t)(k >> (24 - 8 * i));
		keys->auth[12 + i] ^= (uint8_t)(k >> (24 - 8 * i));
	}
}

uint32_t bench_sa_dst(unsigned sas, unsigned k)
{
	if (sas == 1)
		return rte_cpu_to_be_32(bench_ipv4(203, 0, 113, 1));
	return rte_cpu_to_be_32(bench_ipv4(10, 0, 0, 0) + k + 1);
}

void bench_ipv4_udp(uint8_t *p, unsigned len, uint32_t src, uint32_t dst, uint16_t sport)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	memset(p, 0, sizeof(*ip) + sizeof(*udp));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(5001);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - sizeof(*ip)));
	for (unsigned i = sizeof(*ip) + sizeof(*udp); i < len; i++)
		p[i] = (uint8_t)i;
}
