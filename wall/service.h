/*
 * Running as a systemd service: READY=1 once the first frame is shown,
 * and WATCHDOG=1 from the frame loop, so a wall whose loop hangs is
 * restarted. Outside systemd these do nothing.
 */
#ifndef WALL_SERVICE_H
#define WALL_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

struct wall_service {
	/** Half the unit's WatchdogSec, in µs; 0 without a watchdog. */
	int64_t watchdog_period_us;
	int64_t last_ping_us;
	bool ready;
};

void wall_service_init(struct wall_service *service);
/** Call once a frame, after it is shown. Cheap: it writes only when due. */
void wall_service_frame(struct wall_service *service, int64_t now_us);
/** Tell systemd the wall is stopping. */
void wall_service_stopping(struct wall_service *service);

#endif
