/* Names for logs and `debug crypto ikev2`: exchanges, notify types and the
 * one-line message summary, in the short forms strongSwan prints, so that
 * the two sides' logs of one exchange read alike. Nothing here looks at
 * payload contents beyond their types. */
#include "controlplane/ikev2/codec.h"

#include <stdarg.h>
#include <stdio.h>

/* NULL when we have no name for it. */
static const char *exchange_short(uint8_t exchange)
{
	switch (exchange) {
	case FGW_IKE_SA_INIT: return "IKE_SA_INIT";
	case FGW_IKE_AUTH: return "IKE_AUTH";
	case FGW_IKE_CREATE_CHILD_SA: return "CREATE_CHILD_SA";
	case FGW_IKE_INFORMATIONAL: return "INFORMATIONAL";
	case 43: return "IKE_INTERMEDIATE";	/* RFC 9242 */
	}
	return NULL;
}

const char *fgw_ike_exchange_name(uint8_t exchange)
{
	const char *s = exchange_short(exchange);

	return s ? s : "UNKNOWN_EXCHANGE";
}

/* NULL when we have no name for it. */
static const char *notify_short(uint16_t type)
{
	switch (type) {
	case FGW_IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD: return "CRIT";
	case FGW_IKE_N_INVALID_IKE_SPI: return "INVAL_IKE_SPI";
	case FGW_IKE_N_INVALID_MAJOR_VERSION: return "INVAL_MAJOR";
	case FGW_IKE_N_INVALID_SYNTAX: return "INVAL_SYN";
	case FGW_IKE_N_INVALID_MESSAGE_ID: return "INVAL_MID";
	case FGW_IKE_N_INVALID_SPI: return "INVAL_SPI";
	case FGW_IKE_N_NO_PROPOSAL_CHOSEN: return "NO_PROP";
	case FGW_IKE_N_INVALID_KE_PAYLOAD: return "INVAL_KE";
	case FGW_IKE_N_AUTHENTICATION_FAILED: return "AUTH_FAILED";
	case FGW_IKE_N_SINGLE_PAIR_REQUIRED: return "SINGLE_PAIR";
	case FGW_IKE_N_NO_ADDITIONAL_SAS: return "NO_ADD_SAS";
	case FGW_IKE_N_INTERNAL_ADDRESS_FAILURE: return "INT_ADDR_FAIL";
	case FGW_IKE_N_FAILED_CP_REQUIRED: return "FAIL_CP_REQ";
	case FGW_IKE_N_TS_UNACCEPTABLE: return "TS_UNACCEPT";
	case FGW_IKE_N_INVALID_SELECTORS: return "INVAL_SEL";
	case FGW_IKE_N_TEMPORARY_FAILURE: return "TEMP_FAIL";
	case FGW_IKE_N_CHILD_SA_NOT_FOUND: return "NO_CHILD_SA";
	case FGW_IKE_N_INITIAL_CONTACT: return "INIT_CONTACT";
	case FGW_IKE_N_SET_WINDOW_SIZE: return "SET_WINSIZE";
	case FGW_IKE_N_ADDITIONAL_TS_POSSIBLE: return "ADD_TS_POSS";
	case FGW_IKE_N_IPCOMP_SUPPORTED: return "IPCOMP_SUP";
	case FGW_IKE_N_NAT_DETECTION_SOURCE_IP: return "NATD_S_IP";
	case FGW_IKE_N_NAT_DETECTION_DESTINATION_IP: return "NATD_D_IP";
	case FGW_IKE_N_COOKIE: return "COOKIE";
	case FGW_IKE_N_USE_TRANSPORT_MODE: return "USE_TRANSP";
	case FGW_IKE_N_HTTP_CERT_LOOKUP_SUPPORTED: return "HTTP_CERT_LOOK";
	case FGW_IKE_N_REKEY_SA: return "REKEY_SA";
	case FGW_IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED: return "ESP_TFC_PAD_N";
	case FGW_IKE_N_NON_FIRST_FRAGMENTS_ALSO: return "NON_FIRST_FRAG";
	case FGW_IKE_N_MOBIKE_SUPPORTED: return "MOBIKE_SUP";
	case 16397: return "ADD_4_ADDR";
	case 16398: return "ADD_6_ADDR";
	case 16399: return "NO_ADD_ADDR";
	case 16400: return "UPD_SA_ADDR";
	case 16401: return "COOKIE2";
	case 16402: return "NO_NATS";
	case 16403: return "AUTH_LFT";
	case FGW_IKE_N_MULTIPLE_AUTH_SUPPORTED: return "MULT_AUTH";
	case 16405: return "AUTH_FOLLOWS";
	case FGW_IKE_N_REDIRECT_SUPPORTED: return "REDIR_SUP";
	case FGW_IKE_N_REDIRECT: return "REDIR";
	case FGW_IKE_N_REDIRECTED_FROM: return "REDIR_FROM";
	case FGW_IKE_N_EAP_ONLY_AUTHENTICATION: return "EAP_ONLY";
	case FGW_IKE_N_CHILDLESS_IKEV2_SUPPORTED: return "CHDLESS_SUP";
	case 16420: return "MSG_ID_SYN_SUP";	/* RFC 6311 */
	case FGW_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED: return "FRAG_SUP";
	case FGW_IKE_N_SIGNATURE_HASH_ALGORITHMS: return "HASH_ALG";
	}
	return NULL;
}

const char *fgw_ike_notify_name(uint16_t type)
{
	const char *s = notify_short(type);

	return s ? s : "UNKNOWN_NOTIFY";
}

static const char *cp_attr_short(uint16_t type)
{
	switch (type) {
	case 1: return "ADDR";
	case 2: return "MASK";
	case 3: return "DNS";
	case 4: return "NBNS";
	case 7: return "VER";
	case 8: return "ADDR6";
	case 10: return "DNS6";
	case 13: return "SUBNET";
	case 14: return "SUPP";
	case 15: return "SUBNET6";
	case 25: return "DNSDOM";
	case 26: return "DNSSEC_TA";
	}
	return NULL;
}

/* An appender that never writes past len and always leaves a string. */
struct line {
	char *p;
	size_t len, off;
};

static void add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->off + 1 >= l->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->p + l->off, l->len - l->off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	l->off += (size_t)n < l->len - l->off ? (size_t)n : l->len - l->off - 1;
}

static void add_cp(struct line *l, const struct fgw_ike_cp *cp)
{
	static const char *const kind[] = { [FGW_IKE_CFG_REQUEST] = "CPRQ",
		[FGW_IKE_CFG_REPLY] = "CPRP", [FGW_IKE_CFG_SET] = "CPS", [FGW_IKE_CFG_ACK] = "CPA" };

	if (cp->type >= 1 && cp->type <= 4)
		add(l, " %s(", kind[cp->type]);
	else
		add(l, " CP%u(", cp->type);
	for (unsigned i = 0; i < cp->n; i++) {
		const char *s = cp_attr_short(cp->a[i].type);

		if (s)
			add(l, "%s%s", i ? " " : "", s);
		else
			add(l, "%s%u", i ? " " : "", cp->a[i].type);
	}
	add(l, ")");
}

/* EAP/REQ/ID and the like: code, and the method type of requests and
 * responses (RFC 3748 4). */
static void add_eap(struct line *l, const struct fgw_ike_blob *eap)
{
	static const char *const code[] = { [1] = "REQ", [2] = "RES", [3] = "SUCC", [4] = "FAIL" };
	uint8_t c = eap->data[0];

	if (c >= 1 && c <= 4)
		add(l, " EAP/%s", code[c]);
	else
		add(l, " EAP/%u", c);
	if ((c == 1 || c == 2) && eap->len > 4) {
		if (eap->data[4] == 1)
			add(l, "/ID");
		else
			add(l, "/%u", eap->data[4]);
	}
}

char *fgw_ike_msg_summary(const struct fgw_ike_msg *msg, char *out, size_t len)
{
	struct line l = { .p = out, .len = len };
	unsigned k_notify = 0;

	if (len == 0)
		return out;
	out[0] = '\0';
	add(&l, "%s", fgw_ike_exchange_name(msg->hdr.exchange));
	if (!exchange_short(msg->hdr.exchange))
		add(&l, "(%u)", msg->hdr.exchange);
	add(&l, " %s %u [", msg->hdr.flags & FGW_IKE_FLAG_RESPONSE ? "response" : "request",
	    msg->hdr.msg_id);
	for (unsigned i = 0; i < msg->n_order; i++) {
		const struct fgw_ike_notify *n;
		const char *s;

		switch (msg->order[i]) {
		case FGW_IKE_PL_SA: add(&l, " SA"); break;
		case FGW_IKE_PL_KE: add(&l, " KE"); break;
		case FGW_IKE_PL_IDI: add(&l, " IDi"); break;
		case FGW_IKE_PL_IDR: add(&l, " IDr"); break;
		case FGW_IKE_PL_CERT: add(&l, " CERT"); break;
		case FGW_IKE_PL_CERTREQ: add(&l, " CERTREQ"); break;
		case FGW_IKE_PL_AUTH: add(&l, " AUTH"); break;
		case FGW_IKE_PL_NONCE: add(&l, " No"); break;
		case FGW_IKE_PL_DELETE: add(&l, " D"); break;
		case FGW_IKE_PL_VENDOR: add(&l, " V"); break;
		case FGW_IKE_PL_TSI: add(&l, " TSi"); break;
		case FGW_IKE_PL_TSR: add(&l, " TSr"); break;
		case FGW_IKE_PL_SK: add(&l, " SK"); break;
		case FGW_IKE_PL_CP: add_cp(&l, &msg->cp); break;
		case FGW_IKE_PL_EAP: add_eap(&l, &msg->eap); break;
		case FGW_IKE_PL_NOTIFY:
			if (k_notify >= msg->n_notify)
				break;
			n = &msg->notify[k_notify++];
			s = notify_short(n->type);
			if (s)
				add(&l, " N(%s)", s);
			else
				add(&l, " N(%u)", n->type);
			break;
		}
	}
	add(&l, " ]");
	return out;
}
