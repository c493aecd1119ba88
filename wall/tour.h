/* What an operator can do to a tile's camera tour, shared by the compositor and the protocol. */
#ifndef WALL_TOUR_H
#define WALL_TOUR_H

enum wall_tour_action {
	WALL_TOUR_INVALID = 0,
	/** Run the tour from where it stands. */
	WALL_TOUR_START,
	/** End it and go back to its first source. */
	WALL_TOUR_STOP,
	/** Hold the source shown. */
	WALL_TOUR_PAUSE,
	/** Go on with the time that was left. */
	WALL_TOUR_RESUME,
	/** Move on at once. */
	WALL_TOUR_NEXT,
};

#endif
