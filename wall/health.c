#include "health.h"

#include <glib.h>

#include "metrics.h"

struct tally {
	int total;
	int online;
	double online_s;
};

static void count(void *user, const char *name, double value)
{
	struct tally *tally = user;
	if (g_str_has_prefix(name, "health.")) {
		return;
	}
	if (g_str_has_suffix(name, ".online")) {
		tally->total++;
		tally->online += value >= 0.5 ? 1 : 0;
	} else if (g_str_has_suffix(name, ".online_s")) {
		tally->online_s += value;
	}
}

void wall_health_update(double uptime_s, struct wall_health_figures *figures)
{
	struct tally tally = {0};
	wall_metrics_foreach(count, &tally);
	*figures = (struct wall_health_figures){
		.cameras_total = tally.total,
		.cameras_online = tally.online,
	};
	if (tally.total > 0) {
		figures->online_rate = 100.0 * tally.online / tally.total;
		/* A camera that started after the wall has had less time to be
		 * online; counting it over the wall's whole uptime errs low,
		 * which is the safe side for a figure people are judged by. */
		if (uptime_s > 0) {
			double rate = 100.0 * tally.online_s / (tally.total * uptime_s);
			figures->online_rate_by_time = rate < 100.0 ? rate : 100.0;
		}
	}
	wall_metrics_set("health.cameras_total", figures->cameras_total);
	wall_metrics_set("health.cameras_online", figures->cameras_online);
	if (tally.total == 0) {
		/* No cameras is not 0 % online: a panel should say it has no
		 * figure rather than show a red gauge. */
		wall_metrics_remove("health.online_rate");
		wall_metrics_remove("health.online_rate_by_time");
		return;
	}
	wall_metrics_set("health.online_rate", figures->online_rate);
	wall_metrics_set("health.online_rate_by_time", figures->online_rate_by_time);
}

void wall_health_print(const struct wall_health_figures *figures, FILE *out)
{
	fprintf(out, "cameras online: %d of %d\n", figures->cameras_online,
		figures->cameras_total);
	fprintf(out, "online rate now: %.1f %%\n", figures->online_rate);
	fprintf(out, "online rate since start: %.1f %%\n", figures->online_rate_by_time);
}
