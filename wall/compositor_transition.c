#include "compositor_transition.h"

#include <glib.h>

bool compositor_transition_start(struct transition *transition, struct wall_renderer *renderer,
                                 enum wall_transition_kind kind, int64_t duration_ms,
                                 int64_t now_us)
{
	bool animate = (kind == WALL_TRANSITION_FADE || kind == WALL_TRANSITION_WIPE) &&
	               duration_ms > 0 && renderer->impl->snapshot != NULL;
	if (!animate || !renderer->impl->snapshot(renderer, &transition->snapshot)) {
		return false;
	}
	transition->kind = kind;
	transition->start_us = now_us;
	transition->duration_us = duration_ms * 1000;
	transition->active = true;
	return true;
}

void compositor_transition_end(struct transition *transition, struct wall_renderer *renderer)
{
	renderer->impl->texture_finish(renderer, &transition->snapshot);
	transition->active = false;
}

bool compositor_transition_done(const struct transition *transition, int64_t now_us)
{
	return now_us - transition->start_us >= transition->duration_us;
}

void compositor_transition_draw(struct transition *transition, struct wall_renderer *renderer,
                                int64_t now_us)
{
	double t = (double)(now_us - transition->start_us) / (double)transition->duration_us;
	t = CLAMP(t, 0.0, 1.0);
	int32_t width = renderer->width_px;
	int32_t height = renderer->height_px;
	if (transition->kind == WALL_TRANSITION_FADE) {
		struct wall_crop crop = {0, 0, width, height};
		struct wall_rect dest = {0, 0, width, height};
		renderer->impl->draw(renderer, &transition->snapshot, &crop, &dest,
		                     (float)(1.0 - t));
	} else {
		/* The new scene sweeps in from the left: the old one keeps the right. */
		int32_t edge = (int32_t)(t * width + 0.5);
		struct wall_crop crop = {edge, 0, width - edge, height};
		struct wall_rect dest = {edge, 0, width - edge, height};
		if (edge < width) {
			renderer->impl->draw(renderer, &transition->snapshot, &crop, &dest, 1.0f);
		}
	}
}
