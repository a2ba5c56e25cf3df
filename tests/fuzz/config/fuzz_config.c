/* libFuzzer target for the configuration loader.
 *
 * Besides "never crash", it checks the loader's promises: a rejected input
 * gets exactly one non-empty line of error, and an accepted one dumps to JSON
 * that loads back to the same configuration (dump, load, dump: same text). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	struct fgw_config *cfg = fgw_config_load_buffer((const char *)data, size, "fuzz", err,
							sizeof(err));

	if (cfg == NULL) {
		if (err[0] == '\0' || strchr(err, '\n')) {
			fprintf(stderr, "bad error message: \"%s\"\n", err);
			abort();
		}
		return 0;
	}
	char *first = fgw_config_dump(cfg, true);

	fgw_config_free(cfg);
	if (first == NULL)
		return 0;	/* out of memory */
	cfg = fgw_config_load_buffer(first, strlen(first), "dump", err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "the dump does not load back: %s\n%s\n", err, first);
		abort();
	}
	char *second = fgw_config_dump(cfg, true);

	if (second && strcmp(first, second) != 0) {
		fprintf(stderr, "the dump changes on reload:\n%s\n---\n%s\n", first, second);
		abort();
	}
	free(first);
	free(second);
	fgw_config_free(cfg);
	return 0;
}
