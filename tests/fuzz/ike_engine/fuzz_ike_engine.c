/* libFuzzer target for the IKE engine past the codec: the real engine
 * (controlplane/ikev2/, with FlexVPN) of a gateway brought up from
 * gateway.json (tests/fuzz/gateway.h), fed IKE messages by the peer of
 * tests/fuzz/ike_peer.h (an input is its list of records), for the
 * responder and, through the tunnels' initiations, the initiator. So
 * proposal choice, KE and INVALID_KE, nonces, NAT-D, the cookie
 * threshold, fragmentation and redirect notifies, IKE_AUTH (IDi/IDr, AUTH,
 * TS selectors, CHILD SA proposals, CP, notifies), CREATE_CHILD_SA and
 * INFORMATIONAL (delete) are reached.
 *
 * Every input starts with a fresh engine (SPIs from rte_rand seeded the
 * same way) and ends with it stopped: no state crosses inputs but the
 * neighbour table and the counters. */
#include <rte_random.h>

#include "tests/fuzz/ike_peer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	gw_up((*argv)[0], FGW_FUZZ_CONFIG);
	(void)argc;
	gw_ike_stop();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rte_srand(7);
	n_init = 0;
	gw_ike_start();
	peer_run(data, size);
	gw_ike_stop();
	return 0;
}
