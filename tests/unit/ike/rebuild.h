/* Writes a parsed message again with the builder, payload by payload in
 * msg->order, for the codec's tests and its fuzz targets: what parsed must
 * build back to the same octets (strongSwan's messages) or at least parse
 * again to the same thing (fuzzed ones). When msg had an SK payload, SK is
 * opened first with no IV and the inner payloads follow it; b->sk_off is
 * then non-zero and the inner chain starts at b->sk_off + 4. */
#ifndef FGW_TEST_IKE_REBUILD_H
#define FGW_TEST_IKE_REBUILD_H

#include "controlplane/ikev2/message.h"

static void ike_rebuild(const struct fgw_ike_msg *m, struct fgw_ike_buf *b, uint8_t *out,
			size_t cap)
{
	unsigned k_n = 0, k_d = 0, k_v = 0, k_c = 0, k_cr = 0;

	fgw_ike_build_init(b, out, cap, &m->hdr);
	if (m->has_sk)
		fgw_ike_build_sk_open(b, 0);
	for (unsigned i = 0; i < m->n_order; i++) {
		const struct fgw_ike_notify *n;
		const struct fgw_ike_delete *d;

		switch (m->order[i]) {
		case FGW_IKE_PL_SA: fgw_ike_build_sa(b, &m->sa); break;
		case FGW_IKE_PL_KE: fgw_ike_build_ke(b, m->ke.group, m->ke.data, m->ke.len); break;
		case FGW_IKE_PL_NONCE: fgw_ike_build_nonce(b, m->nonce.data, m->nonce.len); break;
		case FGW_IKE_PL_IDI:
			fgw_ike_build_id(b, FGW_IKE_PL_IDI, m->idi.type, m->idi.data, m->idi.len);
			break;
		case FGW_IKE_PL_IDR:
			fgw_ike_build_id(b, FGW_IKE_PL_IDR, m->idr.type, m->idr.data, m->idr.len);
			break;
		case FGW_IKE_PL_AUTH:
			fgw_ike_build_auth(b, m->auth.method, m->auth.data, m->auth.len);
			break;
		case FGW_IKE_PL_NOTIFY:
			n = &m->notify[k_n++];
			fgw_ike_build_notify(b, n->protocol, n->spi, n->spi_len, n->type, n->data,
					     n->len);
			break;
		case FGW_IKE_PL_DELETE:
			d = &m->del[k_d++];
			fgw_ike_build_delete(b, d->protocol, d->spis, d->spi_len, d->n_spi);
			break;
		case FGW_IKE_PL_VENDOR:
			fgw_ike_build_vendor(b, m->vendor[k_v].data, m->vendor[k_v].len);
			k_v++;
			break;
		case FGW_IKE_PL_CERT:
			fgw_ike_build_cert(b, FGW_IKE_PL_CERT, m->cert[k_c].encoding,
					   m->cert[k_c].data, m->cert[k_c].len);
			k_c++;
			break;
		case FGW_IKE_PL_CERTREQ:
			fgw_ike_build_cert(b, FGW_IKE_PL_CERTREQ, m->certreq[k_cr].encoding,
					   m->certreq[k_cr].data, m->certreq[k_cr].len);
			k_cr++;
			break;
		case FGW_IKE_PL_TSI: fgw_ike_build_ts(b, FGW_IKE_PL_TSI, m->tsi.ts, m->tsi.n); break;
		case FGW_IKE_PL_TSR: fgw_ike_build_ts(b, FGW_IKE_PL_TSR, m->tsr.ts, m->tsr.n); break;
		case FGW_IKE_PL_CP: fgw_ike_build_cp(b, &m->cp); break;
		case FGW_IKE_PL_EAP: fgw_ike_build_eap(b, m->eap.data, m->eap.len); break;
		case FGW_IKE_PL_SK:	/* opened above */
			break;
		}
	}
}

#endif
