/*
 * The kms backend's outputs: lighting a connector (a CRTC, its mode, its
 * crop of the canvas and its buffers), darkening it when it goes, and
 * soft's drawing straight into its dumb buffers: three, so that one is
 * drawn while one is shown and one waits for the blank. A buffer that
 * missed frames gets their damage copied in from the newest buffer, never
 * the whole canvas.
 */
#include <string.h>

#include <libyuv.h>

#include "kms.h"
#include "log.h"

/* ---- Lighting outputs ---- */

void kms_output_free_buffers(struct kms_backend *kb, struct kms_output *o)
{
	for (int b = 0; b < KMS_BUFFERS; b++) {
		kms_dumb_destroy(o->card->fd, &o->buffers[b]);
		g_array_set_size(o->damage[b], 0);
		o->damage_frame[b] = 0;
	}
	kms_gl_output_stop(kb, o);
}

static void output_unlight(struct kms_backend *kb, struct kms_output *o)
{
	if (!o->lit) {
		return;
	}
	o->lit = false;
	o->flip_pending = false;
	/*
	 * soft keeps its buffers and its CRTC, and goes on drawing into them:
	 * the compositor redraws only what changes, so a monitor plugged back
	 * in finds its picture up to date. gl has the whole canvas anyway.
	 */
	if (kb->kind == WALL_RENDER_GL) {
		o->card->crtcs_used &= ~(1u << o->crtc_index);
		o->owns_crtc = false;
		kms_output_free_buffers(kb, o);
	}
	wall_info("kms: %s went dark (disconnected)", o->name);
}

bool kms_output_has_buffers(const struct kms_output *o)
{
	return o->buffers[0].map != NULL;
}

/* Plugged back in with the mode it had: show the buffers kept for it. */
static bool output_relight(struct kms_output *o, const drmModeModeInfo *mode)
{
	if (!kms_output_has_buffers(o)) {
		return false;
	}
	if (mode->hdisplay == o->mode.hdisplay && mode->vdisplay == o->mode.vdisplay) {
		o->mode = *mode;
		if (o->mode_blob != 0) {
			drmModeDestroyPropertyBlob(o->card->fd, o->mode_blob);
			o->mode_blob = 0;
		}
		o->lit = true;
		o->needs_modeset = true;
		o->lit_us = g_get_monotonic_time();
		o->flips = 0;
		return true;
	}
	return false;
}

static int shadow_stride(const struct kms_output *o)
{
	return o->plan.rect.width * 4;
}

/* A planned output with nothing to draw into gets its shadow. */
void kms_output_give_shadow(struct kms_backend *kb, struct kms_output *o)
{
	if (kb->kind != WALL_RENDER_SOFT || !o->planned || kms_output_has_buffers(o) ||
	    o->shadow != NULL) {
		return;
	}
	size_t size = (size_t)shadow_stride(o) * (size_t)o->plan.rect.height;
	o->shadow = g_malloc(size);
	ARGBRect(o->shadow, shadow_stride(o), 0, 0, o->plan.rect.width, o->plan.rect.height,
	         0xff000000u);
}

/* Start the first buffer from the shadow, once, and let the shadow go. */
static void take_shadow(struct kms_backend *kb, struct kms_output *o)
{
	if (o->shadow == NULL) {
		return;
	}
	struct kms_buffer *first = &o->buffers[o->newest];
	ARGBCopy(o->shadow, shadow_stride(o), first->map, (int)first->stride, o->crop.width,
	         o->crop.height);
	first->drawn_frame = kb->frame;
	g_free(o->shadow);
	o->shadow = NULL;
}

static bool output_light(struct kms_backend *kb, struct kms_output *o, drmModeConnector *conn,
                         const drmModeRes *res)
{
	struct kms_card *card = o->card;
	drmModeModeInfo mode;
	if (!kms_pick_mode(conn, &o->plan.mode, &mode, o->name)) {
		wall_warning("kms: %s is connected but lists no modes; it stays dark", o->name);
		return false;
	}
	if (output_relight(o, &mode)) {
		return true;
	}
	if (kms_output_has_buffers(o)) {
		/* Another mode: new buffers, filled as the tiles on it redraw. */
		wall_warning("kms: %s came back in another mode; its picture fills in as its "
		             "tiles change",
		             o->name);
		card->crtcs_used &= ~(1u << o->crtc_index);
		o->owns_crtc = false;
		kms_output_free_buffers(kb, o);
	}
	o->mode = mode;
	int index = kms_pick_crtc(card, res, conn);
	if (index < 0) {
		wall_warning("kms: %s: no display controller (CRTC) left on %s; it stays dark",
		             o->name, card->path);
		return false;
	}
	o->crtc_index = index;
	o->crtc_id = res->crtcs[index];
	if (o->saved_crtc == NULL) {
		o->saved_crtc = drmModeGetCrtc(card->fd, o->crtc_id);
	}
	if (card->atomic) {
		o->plane_id = kms_find_primary_plane(card->fd, index);
		if (o->plane_id == 0 || !kms_find_props(o)) {
			wall_info("kms: %s: the driver lacks atomic properties; legacy modesetting",
			          card->path);
			card->atomic = false;
		}
	}
	if (o->mode_blob != 0) {
		drmModeDestroyPropertyBlob(card->fd, o->mode_blob);
		o->mode_blob = 0;
	}
	o->crop = o->plan.rect;
	o->crop.width = MIN(o->crop.width, (int32_t)o->mode.hdisplay);
	o->crop.height = MIN(o->crop.height, (int32_t)o->mode.vdisplay);

	if (kb->kind == WALL_RENDER_GL && kms_gl_draws_on(kb, card)) {
		if (!kms_gl_output_start(kb, o)) {
			return false;
		}
	} else {
		if (kb->kind == WALL_RENDER_GL) {
			wall_info("kms: %s is on %s, which gl does not draw to: its part is read "
			          "back into dumb buffers each frame",
			          o->name, card->path);
		}
		for (int b = 0; b < KMS_BUFFERS; b++) {
			if (!kms_dumb_create(card->fd, o->mode.hdisplay, o->mode.vdisplay,
			                     &o->buffers[b])) {
				kms_output_free_buffers(kb, o);
				return false;
			}
		}
		o->newest = 0;
		o->back = 1;
		take_shadow(kb, o);
	}
	card->crtcs_used |= 1u << index;
	o->owns_crtc = true;
	o->lit = true;
	o->needs_modeset = true;
	o->lit_us = g_get_monotonic_time();
	o->flips = 0;
	if (o->crop.width < o->plan.rect.width || o->crop.height < o->plan.rect.height) {
		wall_warning("kms: %s: its mode is smaller than its %dx%d part of the canvas; "
		             "the rest is not shown",
		             o->name, o->plan.rect.width, o->plan.rect.height);
	}
	return true;
}

/* Show fb_id on o: the first time with its mode, then as a page flip. */
bool kms_output_show(struct kms_backend *kb, struct kms_output *o, uint32_t fb_id)
{
	if (!o->needs_modeset) {
		return kms_flip(o, fb_id);
	}
	int64_t now_us = g_get_monotonic_time();
	if (now_us < o->retry_us) {
		return false;
	}
	if (!kms_modeset(o, fb_id)) {
		o->retry_us = now_us + G_USEC_PER_SEC;
		return false;
	}
	o->needs_modeset = false;
	char *shows = wall_rect_describe(&o->crop);
	/* Tests wait for this line: the output scans out the wall's picture now. */
	char *after =
	        o->light_asked_us == 0
	                ? g_strdup("")
	                : g_strdup_printf(", %.1f ms after it was seen connected or remapped",
	                                  (g_get_monotonic_time() - o->light_asked_us) / 1000.0);
	o->light_asked_us = 0;
	wall_info("kms: %s lit %ux%u@%.0f showing %s%s", o->name, o->mode.hdisplay,
	          o->mode.vdisplay, kms_mode_hz(&o->mode), shows, after);
	g_free(after);
	g_free(shows);
	if (!kb->logged_first_flip) {
		kb->logged_first_flip = true;
		wall_info("kms: first picture %.0f ms after the wall started, %.0f ms after the "
		          "backend did",
		          kms_process_age_ms(), (g_get_monotonic_time() - kb->started_us) / 1000.0);
	}
	return true;
}

/* Connect what is connected and planned, darken what went away. */
void kms_card_reprobe(struct kms_backend *kb, struct kms_card *card, bool startup)
{
	drmModeRes *res = drmModeGetResources(card->fd);
	if (res == NULL) {
		wall_warning("kms: cannot read %s: %s", card->path, strerror(errno));
		return;
	}
	for (guint i = 0; i < card->outputs->len; i++) {
		struct kms_output *o = card->outputs->pdata[i];
		drmModeConnector *conn = drmModeGetConnector(card->fd, o->connector_id);
		bool connected = conn != NULL && conn->connection == DRM_MODE_CONNECTED;
		if (connected && o->planned && !o->lit) {
			/* From here, right after the event was read, to the modeset. */
			int64_t asked_us = g_get_monotonic_time();
			if (output_light(kb, o, conn, res) && !startup) {
				o->light_asked_us = asked_us;
			}
		} else if (!connected && o->lit) {
			output_unlight(kb, o);
		} else if (startup && connected && !o->planned) {
			wall_info("kms: %s is connected but the layout gives it nothing; dark",
			          o->name);
		}
		drmModeFreeConnector(conn);
	}
	drmModeFreeResources(res);
}

/* ---- Remapping on a reload ---- */

/* o shows something else now, or nothing: its CRTC off, its buffers gone. */
static void output_retire(struct kms_backend *kb, struct kms_output *o)
{
	struct kms_card *card = o->card;
	if (o->owns_crtc) {
		kms_disable(o);
		card->crtcs_used &= ~(1u << o->crtc_index);
		o->owns_crtc = false;
	}
	kms_output_free_buffers(kb, o);
	if (o->mode_blob != 0) {
		drmModeDestroyPropertyBlob(card->fd, o->mode_blob);
		o->mode_blob = 0;
	}
	g_free(o->shadow);
	o->shadow = NULL;
	o->lit = false;
	o->needs_modeset = false;
	o->flip_pending = false;
	o->failing = false;
	o->retry_us = 0;
}

static bool same_plan(const struct wall_output_plan *a, const struct wall_output_plan *b)
{
	return a->rect.x == b->rect.x && a->rect.y == b->rect.y && a->rect.width == b->rect.width &&
	       a->rect.height == b->rect.height && a->mode.width_px == b->mode.width_px &&
	       a->mode.height_px == b->mode.height_px && a->mode.refresh_hz == b->mode.refresh_hz;
}

/*
 * A reload may map the outputs anew (same canvas: the reload refuses
 * another size). An output whose part or mode changed is turned off and
 * lit again like a monitor plugged in; the others are left alone. The
 * compositor redraws the whole canvas after a reload, so the new buffers
 * fill at once.
 */
bool kms_remap(struct kms_backend *kb, const struct wall_layout *layout)
{
	kms_wait_flips(kb);
	int remapped = 0;
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		for (guint i = 0; i < card->outputs->len; i++) {
			struct kms_output *o = card->outputs->pdata[i];
			struct wall_output_plan plan;
			bool planned =
			        wall_layout_output_plan(layout, o->name, o->connected_index, &plan);
			if (planned == o->planned && (!planned || same_plan(&plan, &o->plan))) {
				continue;
			}
			output_retire(kb, o);
			o->planned = planned;
			o->plan = plan;
			remapped++;
			if (planned) {
				char *shows = wall_rect_describe(&plan.rect);
				wall_info("kms: %s remapped to %s", o->name, shows);
				g_free(shows);
			} else {
				wall_info("kms: %s remapped to nothing; dark", o->name);
			}
		}
	}
	if (remapped == 0) {
		return true;
	}
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		kms_card_reprobe(kb, card, false);
		for (guint i = 0; i < card->outputs->len; i++) {
			kms_output_give_shadow(kb, card->outputs->pdata[i]);
		}
	}
	kms_set_targets(kb);
	return true;
}

/* ---- Soft: drawing straight into dumb buffers ---- */

static void copy_rect(const struct kms_output *o, const struct kms_buffer *from,
                      struct kms_buffer *to, const struct wall_rect *canvas_rect)
{
	struct wall_rect r = wall_rect_intersection(canvas_rect, &o->crop);
	if (wall_rect_empty(&r)) {
		return;
	}
	size_t offset = (size_t)(r.y - o->crop.y) * from->stride + (size_t)(r.x - o->crop.x) * 4;
	size_t to_offset = (size_t)(r.y - o->crop.y) * to->stride + (size_t)(r.x - o->crop.x) * 4;
	ARGBCopy(from->map + offset, (int)from->stride, to->map + to_offset, (int)to->stride,
	         r.width, r.height);
}

/*
 * Bring the back buffer up to the newest one: copy in what the frames it
 * missed drew, as the damage history says; the whole crop only when the
 * history does not reach back far enough.
 */
static void carry_damage(struct kms_backend *kb, struct kms_output *o)
{
	struct kms_buffer *back = &o->buffers[o->back];
	const struct kms_buffer *newest = &o->buffers[o->newest];
	if (newest->drawn_frame == 0) {
		return;
	}
	bool whole = back->drawn_frame == 0;
	for (uint64_t f = back->drawn_frame + 1; !whole && f <= newest->drawn_frame; f++) {
		whole = o->damage_frame[f % KMS_BUFFERS] != f;
	}
	if (whole) {
		copy_rect(o, newest, back, &o->crop);
		return;
	}
	for (uint64_t f = back->drawn_frame + 1; f <= newest->drawn_frame; f++) {
		GArray *rects = o->damage[f % KMS_BUFFERS];
		for (guint i = 0; i < rects->len; i++) {
			copy_rect(o, newest, back, &g_array_index(rects, struct wall_rect, i));
		}
	}
}

void kms_set_targets(struct kms_backend *kb)
{
	if (kb->soft_renderer == NULL) {
		return;
	}
	g_array_set_size(kb->targets, 0);
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		for (guint i = 0; i < card->outputs->len; i++) {
			struct kms_output *o = card->outputs->pdata[i];
			if (o->shadow != NULL) {
				struct wall_soft_target shadow = {o->shadow, shadow_stride(o),
				                                  o->plan.rect};
				g_array_append_val(kb->targets, shadow);
				continue;
			}
			if (!kms_output_has_buffers(o)) {
				continue;
			}
			carry_damage(kb, o);
			struct wall_soft_target target = {
			        .data = o->buffers[o->back].map,
			        .stride_bytes = (int)o->buffers[o->back].stride,
			        .rect = o->crop,
			};
			g_array_append_val(kb->targets, target);
		}
	}
	wall_soft_renderer_set_targets(kb->soft_renderer,
	                               (const struct wall_soft_target *)(void *)kb->targets->data,
	                               kb->targets->len);
}

void kms_output_present_soft(struct kms_backend *kb, struct kms_output *o,
                             const struct wall_rect *damage, size_t count)
{
	uint64_t frame = kb->frame;
	GArray *history = o->damage[frame % KMS_BUFFERS];
	g_array_set_size(history, 0);
	for (size_t i = 0; i < count; i++) {
		if (wall_rect_intersects(&damage[i], &o->crop)) {
			g_array_append_val(history, damage[i]);
		}
	}
	o->damage_frame[frame % KMS_BUFFERS] = frame;
	o->buffers[o->back].drawn_frame = frame;
	/* A dark output's buffers take turns all the same, unseen. */
	if (o->lit && !kms_output_show(kb, o, o->buffers[o->back].fb_id)) {
		return;
	}
	int shown = o->newest;
	o->newest = o->back;
	o->back = KMS_BUFFERS * (KMS_BUFFERS - 1) / 2 - shown - o->newest;
}
