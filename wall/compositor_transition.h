/* A scene change in progress: the old picture, kept as a snapshot, over or beside the new one. */
#ifndef WALL_COMPOSITOR_TRANSITION_H
#define WALL_COMPOSITOR_TRANSITION_H

#include <stdbool.h>
#include <stdint.h>

#include "render/renderer.h"
#include "transition.h"

struct transition {
	enum wall_transition_kind kind;
	int64_t start_us;
	int64_t duration_us;
	/* The canvas as it was when the change came. */
	struct wall_texture snapshot;
	bool active;
};

/**
 * Start kind over duration_ms at now_us from the canvas as it is. False
 * (and nothing runs) for a cut, no time, or a renderer without snapshots.
 */
bool compositor_transition_start(struct transition *transition, struct wall_renderer *renderer,
                                 enum wall_transition_kind kind, int64_t duration_ms,
                                 int64_t now_us);
/** Drop the snapshot; the whole canvas must be drawn again after. */
void compositor_transition_end(struct transition *transition, struct wall_renderer *renderer);
/** True when its time is up at now_us. */
bool compositor_transition_done(const struct transition *transition, int64_t now_us);
/** Lay the old picture over the new scene, as far as the transition has come. */
void compositor_transition_draw(struct transition *transition, struct wall_renderer *renderer,
                                int64_t now_us);

#endif
