/* Ways to go from one scene to the next, shared by the compositor and the protocol. */
#ifndef WALL_TRANSITION_H
#define WALL_TRANSITION_H

enum wall_transition_kind {
	WALL_TRANSITION_INVALID = 0,
	/** The new scene at once. */
	WALL_TRANSITION_CUT,
	/** The old picture fades out over the new one. */
	WALL_TRANSITION_FADE,
	/** The new scene sweeps in from the left edge. */
	WALL_TRANSITION_WIPE,
};

/** "cut", "fade", "wipe"; "none" for anything else. */
const char *wall_transition_name(enum wall_transition_kind kind);

#endif
