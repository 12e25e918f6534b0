/* gate.c: the memory budget and the large-file slots of the service */
#ifndef PROFILEFS_GATE_I_H
#define PROFILEFS_GATE_I_H

#include <stdint.h>

struct gate;
struct util_stop;

/* cap bytes shared by all computations; slots large files at once */
int gate_new(uint64_t cap, unsigned slots, struct gate **out);
void gate_free(struct gate *g);
/*
 * Waits its turn for bytes (clamped to the cap: what is larger runs
 * alone) and, when large, for a slot; asks stop every 100 ms and returns
 * its error (having taken nothing) when it says to stop.
 */
int gate_enter(struct gate *g, uint64_t bytes, int large,
	       const struct util_stop *stop);
void gate_leave(struct gate *g, uint64_t bytes, int large);
void gate_usage(struct gate *g, uint64_t *used, unsigned *busy,
		unsigned *queued);

#endif
