#include "service.h"

#include <systemd/sd-daemon.h>

#include "log.h"

void wall_service_init(struct wall_service *service)
{
	*service = (struct wall_service){0};
	uint64_t watchdog_us = 0;
	if (sd_watchdog_enabled(0, &watchdog_us) > 0 && watchdog_us > 0) {
		/* Twice per period, as sd_watchdog_enabled(3) advises. */
		service->watchdog_period_us = (int64_t)watchdog_us / 2;
		wall_info("systemd watchdog: the frame loop reports every %.1f s",
		          service->watchdog_period_us / 1e6);
	}
}

void wall_service_frame(struct wall_service *service, int64_t now_us)
{
	if (!service->ready) {
		service->ready = true;
		service->last_ping_us = now_us;
		sd_notify(0, "READY=1\nSTATUS=showing the wall");
		return;
	}
	if (service->watchdog_period_us > 0 &&
	    now_us - service->last_ping_us >= service->watchdog_period_us) {
		service->last_ping_us = now_us;
		sd_notify(0, "WATCHDOG=1");
	}
}

void wall_service_stopping(struct wall_service *service)
{
	if (service->ready) {
		sd_notify(0, "STOPPING=1");
	}
}
