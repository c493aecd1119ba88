#include "transition.h"

const char *wall_transition_name(enum wall_transition_kind kind)
{
	switch (kind) {
	case WALL_TRANSITION_CUT:
		return "cut";
	case WALL_TRANSITION_FADE:
		return "fade";
	case WALL_TRANSITION_WIPE:
		return "wipe";
	default:
		return "none";
	}
}
