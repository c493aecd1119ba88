#include "compositor_tour.h"

#include "json_write.h"

void compositor_tour_init(struct tour *tour, const struct wall_layout_tile *config)
{
	*tour = (struct tour){.running = config->tour != NULL && config->tour->len > 1};
}

const struct wall_layout_source *compositor_tour_stop(const struct wall_layout_tile *config,
                                                      guint index)
{
	return config->tour->pdata[index % config->tour->len];
}

void compositor_tour_start_clock(struct tour *tour, const struct wall_layout_tile *config,
                                 int64_t now_us)
{
	if (tour->running) {
		tour->deadline_us = now_us + config->dwell_ms * 1000;
	}
}

bool compositor_tour_advance(struct tour *tour, const struct wall_layout_tile *config,
                             int64_t now_us)
{
	if (!tour->running || tour->paused || now_us < tour->deadline_us) {
		return false;
	}
	tour->index = (tour->index + 1) % config->tour->len;
	int64_t dwell_us = config->dwell_ms * 1000;
	tour->deadline_us += dwell_us;
	/* After a long stall, do not race through the stops. */
	if (tour->deadline_us <= now_us) {
		tour->deadline_us = now_us + dwell_us;
	}
	return true;
}

bool compositor_tour_act(struct tour *tour, const struct wall_layout_tile *config,
                         enum wall_tour_action action, int64_t now_us)
{
	int64_t dwell_us = config->dwell_ms * 1000;
	switch (action) {
	case WALL_TOUR_START:
		tour->running = true;
		tour->paused = false;
		tour->deadline_us = now_us + dwell_us;
		return true;
	case WALL_TOUR_STOP:
		tour->running = false;
		tour->paused = false;
		tour->index = 0;
		return true;
	case WALL_TOUR_PAUSE:
		if (tour->running && !tour->paused) {
			tour->paused = true;
			tour->left_us = MAX(tour->deadline_us - now_us, 0);
		}
		return true;
	case WALL_TOUR_RESUME:
		if (tour->running && tour->paused) {
			tour->paused = false;
			tour->deadline_us = now_us + tour->left_us;
		}
		return true;
	case WALL_TOUR_NEXT:
		tour->index = (tour->index + 1) % config->tour->len;
		tour->deadline_us = now_us + dwell_us;
		tour->left_us = dwell_us;
		return true;
	default:
		return false;
	}
}

void compositor_tour_describe(const struct tour *tour, const struct wall_layout_tile *config,
                              JsonBuilder *builder)
{
	json_builder_set_member_name(builder, "tour");
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "index");
	json_builder_add_int_value(builder, tour->index);
	json_builder_set_member_name(builder, "length");
	json_builder_add_int_value(builder, config->tour->len);
	json_builder_set_member_name(builder, "running");
	json_builder_add_boolean_value(builder, tour->running);
	json_builder_set_member_name(builder, "paused");
	json_builder_add_boolean_value(builder, tour->paused);
	json_builder_set_member_name(builder, "dwell_ms");
	json_builder_add_int_value(builder, config->dwell_ms);
	wall_json_set_string(builder, "next",
	                       compositor_tour_stop(config, tour->index + 1)->name);
	json_builder_end_object(builder);
}
