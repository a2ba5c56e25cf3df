/* The IKE codec on hex messages, for tests/unit/test_ike_scapy.py: each
 * line of stdin is one message in hex; for each, one line out:
 *   <parse result> <rebuilt hex or -> <summary>
 * When the message has an SK payload its body is taken as the plaintext
 * inner chain (no IV, no padding, no ICV: scapy writes it so) and parsed
 * with fgw_ike_parse_inner. The rebuilt hex is the message built again
 * from what parsed (tests/unit/ike/rebuild.h), SK closed by hand. */
#include <stdio.h>
#include <string.h>

#include "controlplane/ikev2/message.h"
#include "tests/unit/ike/rebuild.h"

static struct fgw_ike_msg msg;

static int parse(const uint8_t *p, size_t len)
{
	int rc = fgw_ike_parse(p, len, &msg);
	size_t body;

	if (rc != FGW_IKE_OK || !msg.has_sk)
		return rc;
	body = msg.sk_off + FGW_IKE_PAYLOAD_HDR_LEN;
	return fgw_ike_parse_inner(&msg, p + body, len - body, msg.sk_first);
}

static void rebuilt(char *hex, size_t cap)
{
	static uint8_t out[FGW_IKE_MSG_MAX];
	struct fgw_ike_buf b;
	int len;

	ike_rebuild(&msg, &b, out, sizeof(out));
	if (b.sk_off && !b.overflow) {
		out[b.sk_off + 2] = (b.len - b.sk_off) >> 8;
		out[b.sk_off + 3] = (b.len - b.sk_off) & 0xff;
		b.sk_off = 0;
	}
	len = fgw_ike_build_finish(&b);
	if (len < 0 || (size_t)len * 2 + 1 > cap) {
		snprintf(hex, cap, "-");
		return;
	}
	for (int i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", out[i]);
}

int main(void)
{
	static char line[4 * FGW_IKE_MSG_MAX], hex[2 * FGW_IKE_MSG_MAX + 1], sum[1024];
	static uint8_t buf[2 * FGW_IKE_MSG_MAX];

	while (fgets(line, sizeof(line), stdin)) {
		size_t n = 0;
		unsigned v;
		int rc;

		while (n < sizeof(buf) && sscanf(line + 2 * n, "%2x", &v) == 1)
			buf[n++] = (uint8_t)v;
		rc = parse(buf, n);
		if (rc == FGW_IKE_OK)
			rebuilt(hex, sizeof(hex));
		else
			snprintf(hex, sizeof(hex), "-");
		printf("%d %s %s\n", rc, hex, fgw_ike_msg_summary(&msg, sum, sizeof(sum)));
		fflush(stdout);
	}
	return 0;
}
