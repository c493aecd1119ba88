/*
 * The kms backend: the wall on bare hardware, no desktop, through libdrm.
 *
 * Every card in /dev/dri is opened; every connector the layout maps (or,
 * without a mapping, every connected one in order) gets a CRTC, its mode
 * and its crop of the canvas, 1:1. Atomic modesetting where the driver has
 * it, else legacy SetCrtc and PageFlip. Each output has at most one flip
 * in flight; present() waits for the last ones to land, so the frame loop
 * runs at the monitors' vertical blank.
 *
 * soft draws straight into each output's dumb buffers (three, so that one
 * is drawn while one is shown and one waits for the blank): a buffer that
 * missed frames gets their damage copied in from the newest buffer, and
 * never the whole canvas. gl goes through GBM and EGL (kms_gl.c).
 */
#include <drm_fourcc.h>
#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <libyuv.h>

#include "input.h"
#include "kms.h"
#include "log.h"

/* A flip the kernel has not answered in this long means a wedged driver. */
#define FLIP_TIMEOUT_MS 1000

static const struct wall_backend_impl kms_impl;

static struct kms_backend *kms_from(struct wall_backend *backend)
{
	return (struct kms_backend *)backend;
}

/* ---- Connectors and modes ---- */

void kms_connector_name(const drmModeConnector *connector, char *name, size_t size)
{
	const char *type = drmModeGetConnectorTypeName(connector->connector_type);
	snprintf(name, size, "%s-%u", type != NULL ? type : "Unknown",
	         connector->connector_type_id);
}

double kms_mode_hz(const drmModeModeInfo *mode)
{
	if (mode->htotal == 0 || mode->vtotal == 0) {
		return mode->vrefresh;
	}
	double hz = mode->clock * 1000.0 / ((double)mode->htotal * mode->vtotal);
	if (mode->flags & DRM_MODE_FLAG_INTERLACE) {
		hz *= 2;
	}
	if (mode->flags & DRM_MODE_FLAG_DBLSCAN) {
		hz /= 2;
	}
	return hz;
}

/*
 * The mode want asks for, else the preferred one. Among equal sizes with
 * no rate asked, the preferred mode, then the highest rate.
 */
bool kms_pick_mode(const drmModeConnector *connector, const struct wall_mode_request *want,
                   drmModeModeInfo *mode, const char *name)
{
	const drmModeModeInfo *best = NULL;
	const drmModeModeInfo *preferred = NULL;
	for (int i = 0; i < connector->count_modes; i++) {
		const drmModeModeInfo *m = &connector->modes[i];
		if (preferred == NULL && (m->type & DRM_MODE_TYPE_PREFERRED)) {
			preferred = m;
		}
		if (want->width_px == 0 || m->hdisplay != want->width_px ||
		    m->vdisplay != want->height_px) {
			continue;
		}
		if (want->refresh_hz > 0 && fabs(kms_mode_hz(m) - want->refresh_hz) > 0.5) {
			continue;
		}
		if (best == NULL ||
		    ((m->type & DRM_MODE_TYPE_PREFERRED) &&
		     !(best->type & DRM_MODE_TYPE_PREFERRED)) ||
		    (!(best->type & DRM_MODE_TYPE_PREFERRED) &&
		     kms_mode_hz(m) > kms_mode_hz(best))) {
			best = m;
		}
	}
	if (preferred == NULL && connector->count_modes > 0) {
		preferred = &connector->modes[0];
	}
	if (best == NULL && want->width_px > 0 && name != NULL) {
		if (want->refresh_hz > 0) {
			wall_warning("kms: %s has no mode %dx%d@%g; using its preferred mode", name,
			             want->width_px, want->height_px, want->refresh_hz);
		} else {
			wall_warning("kms: %s has no mode %dx%d; using its preferred mode", name,
			             want->width_px, want->height_px);
		}
	}
	if (best == NULL) {
		best = preferred;
	}
	if (best == NULL) {
		return false;
	}
	*mode = *best;
	return true;
}

/* ---- Properties ---- */

static uint32_t prop_id(int fd, uint32_t object, uint32_t type, const char *name)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, object, type);
	uint32_t id = 0;
	for (uint32_t i = 0; props != NULL && i < props->count_props && id == 0; i++) {
		drmModePropertyRes *prop = drmModeGetProperty(fd, props->props[i]);
		if (prop != NULL && strcmp(prop->name, name) == 0) {
			id = prop->prop_id;
		}
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(props);
	return id;
}

static uint64_t prop_value(int fd, uint32_t object, uint32_t type, const char *name)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, object, type);
	uint64_t value = 0;
	for (uint32_t i = 0; props != NULL && i < props->count_props; i++) {
		drmModePropertyRes *prop = drmModeGetProperty(fd, props->props[i]);
		bool match = prop != NULL && strcmp(prop->name, name) == 0;
		drmModeFreeProperty(prop);
		if (match) {
			value = props->prop_values[i];
			break;
		}
	}
	drmModeFreeObjectProperties(props);
	return value;
}

/* The primary plane that can feed the CRTC at crtc_index. */
static uint32_t find_primary_plane(int fd, int crtc_index)
{
	drmModePlaneRes *planes = drmModeGetPlaneResources(fd);
	uint32_t found = 0;
	for (uint32_t i = 0; planes != NULL && i < planes->count_planes && found == 0; i++) {
		drmModePlane *plane = drmModeGetPlane(fd, planes->planes[i]);
		if (plane != NULL && (plane->possible_crtcs & (1u << crtc_index)) &&
		    prop_value(fd, plane->plane_id, DRM_MODE_OBJECT_PLANE, "type") ==
		            DRM_PLANE_TYPE_PRIMARY) {
			found = plane->plane_id;
		}
		drmModeFreePlane(plane);
	}
	drmModeFreePlaneResources(planes);
	return found;
}

static bool find_props(struct kms_output *o)
{
	int fd = o->card->fd;
	static const char *const xywh[4][2] = {
	        {"SRC_X", "CRTC_X"}, {"SRC_Y", "CRTC_Y"}, {"SRC_W", "CRTC_W"}, {"SRC_H", "CRTC_H"}};
	o->prop_conn_crtc_id = prop_id(fd, o->connector_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
	o->prop_crtc_mode_id = prop_id(fd, o->crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	o->prop_crtc_active = prop_id(fd, o->crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE");
	o->prop_plane_fb_id = prop_id(fd, o->plane_id, DRM_MODE_OBJECT_PLANE, "FB_ID");
	o->prop_plane_crtc_id = prop_id(fd, o->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_ID");
	bool all = o->prop_conn_crtc_id && o->prop_crtc_mode_id && o->prop_crtc_active &&
	           o->prop_plane_fb_id && o->prop_plane_crtc_id;
	for (int i = 0; i < 4; i++) {
		o->prop_plane_src[i] = prop_id(fd, o->plane_id, DRM_MODE_OBJECT_PLANE, xywh[i][0]);
		o->prop_plane_crtc[i] = prop_id(fd, o->plane_id, DRM_MODE_OBJECT_PLANE, xywh[i][1]);
		all = all && o->prop_plane_src[i] && o->prop_plane_crtc[i];
	}
	return all;
}

/* ---- Probing ---- */

static int crtc_index_of(const drmModeRes *res, uint32_t crtc_id)
{
	for (int i = 0; i < res->count_crtcs; i++) {
		if (res->crtcs[i] == crtc_id) {
			return i;
		}
	}
	return -1;
}

/* A free CRTC this connector can drive, the one it has now first. */
static int pick_crtc(struct kms_card *card, const drmModeRes *res, const drmModeConnector *conn)
{
	int fd = card->fd;
	if (conn->encoder_id != 0) {
		drmModeEncoder *encoder = drmModeGetEncoder(fd, conn->encoder_id);
		int index = encoder != NULL ? crtc_index_of(res, encoder->crtc_id) : -1;
		drmModeFreeEncoder(encoder);
		if (index >= 0 && !(card->crtcs_used & (1u << index))) {
			return index;
		}
	}
	for (int e = 0; e < conn->count_encoders; e++) {
		drmModeEncoder *encoder = drmModeGetEncoder(fd, conn->encoders[e]);
		uint32_t possible = encoder != NULL ? encoder->possible_crtcs : 0;
		drmModeFreeEncoder(encoder);
		for (int i = 0; i < res->count_crtcs && i < 32; i++) {
			if ((possible & (1u << i)) && !(card->crtcs_used & (1u << i))) {
				return i;
			}
		}
	}
	return -1;
}

static struct kms_output *find_output(struct kms_card *card, uint32_t connector_id)
{
	for (guint i = 0; i < card->outputs->len; i++) {
		struct kms_output *o = card->outputs->pdata[i];
		if (o->connector_id == connector_id) {
			return o;
		}
	}
	return NULL;
}

/*
 * Know the card's connectors that are connected (or, with connected
 * false, the others) and what the layout wants each to show. index
 * counts connectors across cards for the default assignment: call for
 * the connected ones of every card first, so they take the first cells
 * and the others the cells left over. Connectors seen before keep their
 * plan.
 */
bool kms_card_probe(struct kms_card *card, const struct wall_layout *layout, bool connected,
                    size_t *index)
{
	drmModeRes *res = drmModeGetResources(card->fd);
	if (res == NULL) {
		return false;
	}
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnector *conn = drmModeGetConnector(card->fd, res->connectors[i]);
		if (conn == NULL) {
			continue;
		}
		struct kms_output *o = find_output(card, conn->connector_id);
		if (o == NULL && (conn->connection == DRM_MODE_CONNECTED) == connected) {
			o = g_new0(struct kms_output, 1);
			o->card = card;
			o->connector_id = conn->connector_id;
			o->egl_surface = EGL_NO_SURFACE;
			kms_connector_name(conn, o->name, sizeof(o->name));
			for (int b = 0; b < KMS_BUFFERS; b++) {
				o->damage[b] = g_array_new(FALSE, FALSE, sizeof(struct wall_rect));
			}
			g_ptr_array_add(card->outputs, o);
			o->planned = layout != NULL &&
			             wall_layout_output_plan(layout, o->name, (*index)++, &o->plan);
		}
		drmModeFreeConnector(conn);
	}
	drmModeFreeResources(res);
	return true;
}

/* ---- Buffers ---- */

static bool dumb_create(int fd, uint32_t width, uint32_t height, struct kms_buffer *buf)
{
	uint32_t handle = 0, stride = 0;
	uint64_t size = 0, offset = 0;
	if (drmModeCreateDumbBuffer(fd, width, height, 32, 0, &handle, &stride, &size) != 0) {
		wall_error("kms: cannot make a %ux%u dumb buffer: %s", width, height,
		           strerror(errno));
		return false;
	}
	uint32_t handles[4] = {handle}, strides[4] = {stride}, offsets[4] = {0};
	if (drmModeAddFB2(fd, width, height, DRM_FORMAT_XRGB8888, handles, strides, offsets,
	                  &buf->fb_id, 0) != 0) {
		wall_error("kms: cannot make a framebuffer: %s", strerror(errno));
		goto err_fb;
	}
	void *map = MAP_FAILED;
	if (drmModeMapDumbBuffer(fd, handle, &offset) == 0) {
		map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
	}
	if (map == MAP_FAILED) {
		wall_error("kms: cannot map a dumb buffer: %s", strerror(errno));
		goto err_map;
	}
	buf->handle = handle;
	buf->stride = stride;
	buf->size = size;
	buf->map = map;
	buf->drawn_frame = 0;
	/* Black, opaque: what the bezels and the unmapped edges show. */
	ARGBRect(buf->map, (int)stride, 0, 0, (int)width, (int)height, 0xff000000u);
	return true;

err_map:
	drmModeRmFB(fd, buf->fb_id);
	buf->fb_id = 0;
err_fb:
	drmModeDestroyDumbBuffer(fd, handle);
	return false;
}

static void dumb_destroy(int fd, struct kms_buffer *buf)
{
	if (buf->map != NULL) {
		munmap(buf->map, buf->size);
	}
	if (buf->fb_id != 0) {
		drmModeRmFB(fd, buf->fb_id);
	}
	if (buf->handle != 0) {
		drmModeDestroyDumbBuffer(fd, buf->handle);
	}
	*buf = (struct kms_buffer){0};
}

/* Milliseconds since this process started, from /proc; -1 when unknown. */
static double process_age_ms(void)
{
	char *stat = NULL;
	double age = -1;
	if (!g_file_get_contents("/proc/self/stat", &stat, NULL, NULL)) {
		return age;
	}
	/* Field 22, start time in clock ticks after boot, counted past the
	 * command name, which may hold spaces but ends at the last ')'. */
	const char *p = strrchr(stat, ')');
	for (int field = 2; p != NULL && field < 22; field++) {
		p = strchr(p + 1, ' ');
	}
	struct timespec now;
	if (p != NULL && clock_gettime(CLOCK_BOOTTIME, &now) == 0) {
		double start_s = g_ascii_strtod(p + 1, NULL) / (double)sysconf(_SC_CLK_TCK);
		age = (now.tv_sec + now.tv_nsec / 1e9 - start_s) * 1000.0;
	}
	g_free(stat);
	return age;
}

/* ---- Modesetting and flips ---- */

static void add_plane(drmModeAtomicReq *req, const struct kms_output *o, uint32_t fb_id)
{
	uint64_t src[4] = {0, 0, (uint64_t)o->mode.hdisplay << 16,
	                   (uint64_t)o->mode.vdisplay << 16};
	uint64_t dst[4] = {0, 0, o->mode.hdisplay, o->mode.vdisplay};
	drmModeAtomicAddProperty(req, o->plane_id, o->prop_plane_fb_id, fb_id);
	drmModeAtomicAddProperty(req, o->plane_id, o->prop_plane_crtc_id, o->crtc_id);
	for (int i = 0; i < 4; i++) {
		drmModeAtomicAddProperty(req, o->plane_id, o->prop_plane_src[i], src[i]);
		drmModeAtomicAddProperty(req, o->plane_id, o->prop_plane_crtc[i], dst[i]);
	}
}

static bool modeset(struct kms_output *o, uint32_t fb_id)
{
	int fd = o->card->fd;
	if (!o->card->atomic) {
		if (drmModeSetCrtc(fd, o->crtc_id, fb_id, 0, 0, &o->connector_id, 1, &o->mode) !=
		    0) {
			wall_error("kms: %s: cannot set mode %s: %s", o->name, o->mode.name,
			           strerror(errno));
			return false;
		}
		return true;
	}
	if (o->mode_blob == 0 &&
	    drmModeCreatePropertyBlob(fd, &o->mode, sizeof(o->mode), &o->mode_blob) != 0) {
		wall_error("kms: %s: cannot make a mode blob: %s", o->name, strerror(errno));
		return false;
	}
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	drmModeAtomicAddProperty(req, o->connector_id, o->prop_conn_crtc_id, o->crtc_id);
	drmModeAtomicAddProperty(req, o->crtc_id, o->prop_crtc_mode_id, o->mode_blob);
	drmModeAtomicAddProperty(req, o->crtc_id, o->prop_crtc_active, 1);
	add_plane(req, o, fb_id);
	int ret = drmModeAtomicCommit(fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
	drmModeAtomicFree(req);
	if (ret != 0) {
		wall_error("kms: %s: atomic modeset to %s failed: %s", o->name, o->mode.name,
		           strerror(errno));
		return false;
	}
	return true;
}

static bool flip(struct kms_output *o, uint32_t fb_id)
{
	int fd = o->card->fd;
	int ret;
	if (o->card->atomic) {
		drmModeAtomicReq *req = drmModeAtomicAlloc();
		drmModeAtomicAddProperty(req, o->plane_id, o->prop_plane_fb_id, fb_id);
		ret = drmModeAtomicCommit(fd, req,
		                          DRM_MODE_PAGE_FLIP_EVENT | DRM_MODE_ATOMIC_NONBLOCK, o);
		drmModeAtomicFree(req);
	} else {
		ret = drmModePageFlip(fd, o->crtc_id, fb_id, DRM_MODE_PAGE_FLIP_EVENT, o);
	}
	if (ret != 0) {
		wall_warning("kms: %s: page flip failed: %s", o->name, strerror(errno));
		return false;
	}
	o->flip_pending = true;
	o->flip_sent_us = g_get_monotonic_time();
	return true;
}

static void on_flip(int fd, unsigned int sequence, unsigned int sec, unsigned int usec, void *data)
{
	struct kms_output *o = data;
	o->flip_pending = false;
	o->flips++;
	kms_gl_flip_done(o);
}

static bool any_flip_pending(struct kms_backend *kb)
{
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		for (guint i = 0; i < card->outputs->len; i++) {
			struct kms_output *o = card->outputs->pdata[i];
			if (o->flip_pending) {
				return true;
			}
		}
	}
	return false;
}

/* Wait until no output has a flip in flight: the vertical blank paces us. */
static void wait_flips(struct kms_backend *kb)
{
	drmEventContext events = {.version = 2, .page_flip_handler = on_flip};
	int64_t deadline_us = g_get_monotonic_time() + FLIP_TIMEOUT_MS * 1000;
	while (any_flip_pending(kb)) {
		struct pollfd fds[16];
		nfds_t n = 0;
		for (guint c = 0; c < kb->cards->len && n < G_N_ELEMENTS(fds); c++) {
			struct kms_card *card = kb->cards->pdata[c];
			fds[n++] = (struct pollfd){.fd = card->fd, .events = POLLIN};
		}
		int64_t left_ms = (deadline_us - g_get_monotonic_time()) / 1000;
		int ready = left_ms > 0 ? poll(fds, n, (int)left_ms) : 0;
		if (ready < 0 && errno == EINTR) {
			/* A stop signal: the loop sees it and stops. */
			return;
		}
		if (ready <= 0) {
			wall_warning("kms: a page flip did not complete in %d ms; going on",
			             FLIP_TIMEOUT_MS);
			for (guint c = 0; c < kb->cards->len; c++) {
				struct kms_card *card = kb->cards->pdata[c];
				for (guint i = 0; i < card->outputs->len; i++) {
					((struct kms_output *)card->outputs->pdata[i])
					        ->flip_pending = false;
				}
			}
			return;
		}
		for (nfds_t i = 0; i < n; i++) {
			if (fds[i].revents & POLLIN) {
				drmHandleEvent(fds[i].fd, &events);
			}
		}
	}
}

/* ---- Lighting outputs ---- */

static void output_free_buffers(struct kms_backend *kb, struct kms_output *o)
{
	for (int b = 0; b < KMS_BUFFERS; b++) {
		dumb_destroy(o->card->fd, &o->buffers[b]);
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
		output_free_buffers(kb, o);
	}
	wall_info("kms: %s went dark (disconnected)", o->name);
}

static bool has_buffers(const struct kms_output *o)
{
	return o->buffers[0].map != NULL;
}

/* Plugged back in with the mode it had: show the buffers kept for it. */
static bool output_relight(struct kms_output *o, const drmModeModeInfo *mode)
{
	if (!has_buffers(o)) {
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
static void give_shadow(struct kms_backend *kb, struct kms_output *o)
{
	if (kb->kind != WALL_RENDER_SOFT || !o->planned || has_buffers(o) || o->shadow != NULL) {
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
	if (has_buffers(o)) {
		/* Another mode: new buffers, filled as the tiles on it redraw. */
		wall_warning("kms: %s came back in another mode; its picture fills in as its "
		             "tiles change",
		             o->name);
		card->crtcs_used &= ~(1u << o->crtc_index);
		output_free_buffers(kb, o);
	}
	o->mode = mode;
	int index = pick_crtc(card, res, conn);
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
		o->plane_id = find_primary_plane(card->fd, index);
		if (o->plane_id == 0 || !find_props(o)) {
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

	if (kb->kind == WALL_RENDER_GL) {
		if (!kms_gl_output_start(kb, o)) {
			return false;
		}
	} else {
		for (int b = 0; b < KMS_BUFFERS; b++) {
			if (!dumb_create(card->fd, o->mode.hdisplay, o->mode.vdisplay,
			                 &o->buffers[b])) {
				output_free_buffers(kb, o);
				return false;
			}
		}
		o->newest = 0;
		o->back = 1;
		take_shadow(kb, o);
	}
	card->crtcs_used |= 1u << index;
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
static bool show(struct kms_backend *kb, struct kms_output *o, uint32_t fb_id)
{
	if (!o->needs_modeset) {
		return flip(o, fb_id);
	}
	if (!modeset(o, fb_id)) {
		return false;
	}
	o->needs_modeset = false;
	char *shows = wall_rect_describe(&o->crop);
	/* Tests wait for this line: the output scans out the wall's picture now. */
	wall_info("kms: %s lit %ux%u@%.0f showing %s", o->name, o->mode.hdisplay, o->mode.vdisplay,
	          kms_mode_hz(&o->mode), shows);
	g_free(shows);
	if (!kb->logged_first_flip) {
		kb->logged_first_flip = true;
		wall_info("kms: first picture %.0f ms after the wall started, %.0f ms after the "
		          "backend did",
		          process_age_ms(), (g_get_monotonic_time() - kb->started_us) / 1000.0);
	}
	return true;
}

/* Connect what is connected and planned, darken what went away. */
static void reprobe_card(struct kms_backend *kb, struct kms_card *card, bool startup)
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
			output_light(kb, o, conn, res);
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

static void set_targets(struct kms_backend *kb)
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
			if (!has_buffers(o)) {
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

static void present_soft_output(struct kms_backend *kb, struct kms_output *o,
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
	if (o->lit && !show(kb, o, o->buffers[o->back].fb_id)) {
		return;
	}
	int shown = o->newest;
	o->newest = o->back;
	o->back = KMS_BUFFERS * (KMS_BUFFERS - 1) / 2 - shown - o->newest;
}

static bool kms_present(struct wall_backend *backend, struct wall_renderer *renderer)
{
	struct kms_backend *kb = kms_from(backend);
	wait_flips(kb);
	if (kb->paused) {
		g_usleep(G_USEC_PER_SEC / 20);
		return true;
	}
	kb->frame++;
	size_t count = 0;
	const struct wall_rect *damage = NULL;
	if (kb->kind == WALL_RENDER_SOFT) {
		damage = wall_soft_renderer_damage(renderer, &count);
		kb->soft_renderer = renderer;
	}
	bool any = false;
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		for (guint i = 0; i < card->outputs->len; i++) {
			struct kms_output *o = card->outputs->pdata[i];
			any = any || o->lit;
			if (kb->kind == WALL_RENDER_SOFT && has_buffers(o)) {
				present_soft_output(kb, o, damage, count);
			}
			if (kb->kind == WALL_RENDER_SOFT || !o->lit) {
				continue;
			}
			uint32_t fb_id = 0;
			if (kms_gl_output_draw(kb, o, renderer, &fb_id)) {
				show(kb, o, fb_id);
			}
		}
	}
	if (kb->kind == WALL_RENDER_SOFT) {
		set_targets(kb);
	}
	if (!any) {
		/* Every monitor unplugged: keep time without a blank to wait for. */
		g_usleep((gulong)(G_USEC_PER_SEC / backend->refresh_hz));
	}
	return true;
}

/* ---- Hotplug ---- */

static void start_hotplug(struct kms_backend *kb)
{
	kb->udev = udev_new();
	if (kb->udev == NULL) {
		wall_warning("kms: no udev; monitors plugged in later are not seen");
		return;
	}
	/*
	 * With a udev daemon, its processed events; without one (a bare
	 * initramfs, a container) the kernel's own uevents, which carry
	 * HOTPLUG=1 for connector changes just the same.
	 */
	bool daemon = access("/run/udev/control", F_OK) == 0;
	kb->monitor = udev_monitor_new_from_netlink(kb->udev, daemon ? "udev" : "kernel");
	if (kb->monitor == NULL ||
	    udev_monitor_filter_add_match_subsystem_devtype(kb->monitor, "drm", NULL) < 0 ||
	    udev_monitor_enable_receiving(kb->monitor) < 0) {
		wall_warning("kms: cannot listen for hotplug events; monitors plugged in later "
		             "are not seen");
		udev_monitor_unref(kb->monitor);
		kb->monitor = NULL;
		return;
	}
	wall_info("kms: watching for monitors plugged and unplugged (%s events)",
	          daemon ? "udev" : "kernel");
}

static bool hotplug_pending(struct kms_backend *kb)
{
	if (kb->monitor == NULL) {
		return false;
	}
	bool changed = false;
	struct pollfd fd = {.fd = udev_monitor_get_fd(kb->monitor), .events = POLLIN};
	while (poll(&fd, 1, 0) > 0) {
		struct udev_device *dev = udev_monitor_receive_device(kb->monitor);
		if (dev == NULL) {
			break;
		}
		/* Connector changes say HOTPLUG=1; a "change" written to a card's
		 * uevent file by hand asks for a look too. */
		const char *hotplug = udev_device_get_property_value(dev, "HOTPLUG");
		changed = changed || g_strcmp0(hotplug, "1") == 0 ||
		          g_strcmp0(udev_device_get_action(dev), "change") == 0;
		udev_device_unref(dev);
	}
	return changed;
}

static bool kms_dispatch(struct wall_backend *backend)
{
	struct kms_backend *kb = kms_from(backend);
	bool session_changed = false;
	bool active = kms_session_dispatch(kb->session, &session_changed);
	if (session_changed) {
		kb->paused = !active;
		wall_info("kms: session %s", active ? "back: drawing again" : "away: paused");
		if (active) {
			wall_input_resume(kb->input);
		} else {
			wall_input_suspend(kb->input);
		}
		for (guint c = 0; active && c < kb->cards->len; c++) {
			struct kms_card *card = kb->cards->pdata[c];
			for (guint i = 0; i < card->outputs->len; i++) {
				struct kms_output *o = card->outputs->pdata[i];
				/* Whoever had the VT may have set other modes. */
				o->needs_modeset = o->lit;
				o->flip_pending = false;
			}
		}
	}
	if (hotplug_pending(kb) && !kb->paused) {
		wait_flips(kb);
		for (guint c = 0; c < kb->cards->len; c++) {
			reprobe_card(kb, kb->cards->pdata[c], false);
		}
		set_targets(kb);
	}
	return true;
}

/* ---- Cards ---- */

static void card_destroy(struct kms_backend *kb, struct kms_card *card)
{
	for (guint i = 0; i < card->outputs->len; i++) {
		struct kms_output *o = card->outputs->pdata[i];
		if (o->saved_crtc != NULL) {
			/* Give the console back what it showed before the wall. */
			drmModeCrtc *s = o->saved_crtc;
			drmModeSetCrtc(card->fd, s->crtc_id, s->buffer_id, s->x, s->y,
			               s->buffer_id != 0 ? &o->connector_id : NULL,
			               s->buffer_id != 0 ? 1 : 0, s->mode_valid ? &s->mode : NULL);
			drmModeFreeCrtc(s);
		}
		output_free_buffers(kb, o);
		if (o->mode_blob != 0) {
			drmModeDestroyPropertyBlob(card->fd, o->mode_blob);
		}
		for (int b = 0; b < KMS_BUFFERS; b++) {
			g_array_unref(o->damage[b]);
		}
		g_free(o->shadow);
		g_free(o);
	}
	g_ptr_array_unref(card->outputs);
	kms_session_close_device(kb->session, card->fd, card->device_id);
	g_free(card->driver);
	g_free(card->path);
	g_free(card);
}

bool kms_env_flag(const char *name)
{
	const char *value = g_getenv(name);
	return value != NULL && value[0] != '\0' && strcmp(value, "0") != 0;
}

static struct kms_card *card_open(struct kms_backend *kb, const char *path)
{
	int device_id = -1;
	int fd = kms_session_open_device(kb->session, path, &device_id);
	if (fd < 0) {
		return NULL;
	}
	drmVersion *version = drmGetVersion(fd);
	struct kms_card *card = g_new0(struct kms_card, 1);
	card->path = g_strdup(path);
	card->fd = fd;
	card->device_id = device_id;
	card->driver = g_strdup(version != NULL ? version->name : "unknown");
	drmFreeVersion(version);
	card->outputs = g_ptr_array_new();
	uint64_t dumb = 0;
	if (drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &dumb) != 0 || dumb == 0) {
		wall_info("kms: %s (%s) cannot scan out; skipped", path, card->driver);
		kms_session_close_device(kb->session, fd, device_id);
		g_ptr_array_unref(card->outputs);
		g_free(card->driver);
		g_free(card->path);
		g_free(card);
		return NULL;
	}
	/* WALL_KMS_LEGACY=1 tries the path drivers without atomic take. */
	card->atomic = !kms_env_flag("WALL_KMS_LEGACY") &&
	               drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) == 0 &&
	               drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) == 0;
	wall_info("kms: %s (%s), %s modesetting", path, card->driver,
	          card->atomic ? "atomic" : "legacy");
	return card;
}

/* /dev/dri/card0, card1, … in number order. */
GPtrArray *wall_kms_card_paths(void)
{
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	const char *dir = g_getenv("WALL_KMS_DRI_DIR");
	dir = dir != NULL ? dir : "/dev/dri";
	for (int i = 0; i < 16; i++) {
		char *path = g_strdup_printf("%s/card%d", dir, i);
		if (access(path, F_OK) == 0) {
			g_ptr_array_add(paths, path);
		} else {
			g_free(path);
		}
	}
	return paths;
}

static void report_unconnected(struct kms_backend *kb, const struct wall_layout *layout)
{
	for (guint n = 0; n < layout->outputs->len; n++) {
		const struct wall_layout_output *want = layout->outputs->pdata[n];
		const struct kms_output *found = NULL;
		for (guint c = 0; c < kb->cards->len && found == NULL; c++) {
			struct kms_card *card = kb->cards->pdata[c];
			for (guint i = 0; i < card->outputs->len; i++) {
				const struct kms_output *o = card->outputs->pdata[i];
				if (strcmp(o->name, want->connector) == 0) {
					found = o;
				}
			}
		}
		if (found == NULL) {
			wall_warning("kms: %s:%d:%d: no connector called %s on any card; the "
			             "wall goes on without it",
			             layout->path, want->mark.line, want->mark.column,
			             want->connector);
		} else if (!found->lit) {
			wall_warning("kms: %s:%d:%d: %s is not connected (or cannot light); the "
			             "wall goes on without it until it is",
			             layout->path, want->mark.line, want->mark.column,
			             want->connector);
		}
	}
}

/* ---- Keys ---- */

/* Input devices open through the same seat session as the cards. */
static int open_input(void *user, const char *path, int *device_id)
{
	return kms_session_open_device(user, path, device_id);
}

static void close_input(void *user, int fd, int device_id)
{
	kms_session_close_device(user, fd, device_id);
}

static void start_input(struct kms_backend *kb)
{
	const struct wall_input_opener opener = {
	        .open = open_input,
	        .close = close_input,
	        .user = kb->session,
	};
	kb->input = wall_input_create(&opener);
}

static bool kms_take_key(struct wall_backend *backend, struct wall_key *key)
{
	return wall_input_take_key(kms_from(backend)->input, key);
}

static bool kms_init(struct wall_backend *backend, enum wall_render_kind kind)
{
	struct kms_backend *kb = kms_from(backend);
	const struct wall_layout *layout = backend->options.layout;
	kb->kind = kind;
	if (kind == WALL_RENDER_GL && !kms_gl_init(kb)) {
		return false;
	}
	size_t index = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (guint c = 0; c < kb->cards->len; c++) {
			kms_card_probe(kb->cards->pdata[c], layout, pass == 0, &index);
		}
	}
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		reprobe_card(kb, card, true);
		for (guint i = 0; i < card->outputs->len; i++) {
			give_shadow(kb, card->outputs->pdata[i]);
		}
	}
	if (layout != NULL) {
		report_unconnected(kb, layout);
	}
	double slowest_hz = 0;
	int lit = 0;
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		for (guint i = 0; i < card->outputs->len; i++) {
			struct kms_output *o = card->outputs->pdata[i];
			if (o->lit) {
				double hz = kms_mode_hz(&o->mode);
				slowest_hz = lit == 0 ? hz : MIN(slowest_hz, hz);
				lit++;
			}
		}
	}
	if (lit == 0) {
		wall_warning("kms: no output to light yet; waiting for a monitor");
	}
	backend->refresh_hz = slowest_hz > 1 ? slowest_hz : 60.0;
	start_hotplug(kb);
	start_input(kb);
	return true;
}

/* The soft renderer draws into the back buffers from its first frame on. */
void wall_kms_backend_attach(struct wall_backend *backend, struct wall_renderer *renderer)
{
	if (backend == NULL || backend->impl != &kms_impl || !wall_renderer_is_soft(renderer)) {
		return;
	}
	struct kms_backend *kb = kms_from(backend);
	kb->soft_renderer = renderer;
	set_targets(kb);
}

static void kms_destroy(struct wall_backend *backend)
{
	struct kms_backend *kb = kms_from(backend);
	wait_flips(kb);
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		for (guint i = 0; i < card->outputs->len; i++) {
			struct kms_output *o = card->outputs->pdata[i];
			if (o->lit && o->flips > 0) {
				double s = (g_get_monotonic_time() - o->lit_us) /
				           (double)G_USEC_PER_SEC;
				wall_info("kms: %s: %" G_GUINT64_FORMAT
				          " page flips in %.1f s (%.1f/s)",
				          o->name, o->flips, s, o->flips / s);
			}
		}
	}
	/* gl: the outputs' surfaces, then EGL and the GBM devices, while the
	 * cards are still open; kms_gl_finish reads kb->cards. */
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		for (guint i = 0; i < card->outputs->len; i++) {
			kms_gl_output_stop(kb, card->outputs->pdata[i]);
		}
	}
	kms_gl_finish(kb);
	for (guint c = 0; c < kb->cards->len; c++) {
		card_destroy(kb, kb->cards->pdata[c]);
	}
	wall_input_destroy(kb->input);
	g_ptr_array_unref(kb->cards);
	g_array_unref(kb->targets);
	udev_monitor_unref(kb->monitor);
	udev_unref(kb->udev);
	kms_session_close(kb->session);
	g_free(kb);
}

static const struct wall_backend_impl kms_impl = {
        .name = "kms",
        .init = kms_init,
        .present = kms_present,
        .dispatch = kms_dispatch,
        .destroy = kms_destroy,
        .take_key = kms_take_key,
};

struct wall_backend *wall_kms_backend_create(const struct wall_backend_options *options)
{
	struct kms_backend *kb = g_new0(struct kms_backend, 1);
	kb->base.impl = &kms_impl;
	kb->base.options = *options;
	kb->base.has_vsync = true;
	kb->base.refresh_hz = 60.0;
	kb->started_us = g_get_monotonic_time();
	kb->egl_display = EGL_NO_DISPLAY;
	kb->egl_context = EGL_NO_CONTEXT;
	kb->targets = g_array_new(FALSE, FALSE, sizeof(struct wall_soft_target));
	kb->cards = g_ptr_array_new();
	kb->session = kms_session_open();
	GPtrArray *paths = wall_kms_card_paths();
	for (guint i = 0; i < paths->len; i++) {
		struct kms_card *card = card_open(kb, paths->pdata[i]);
		if (card != NULL) {
			g_ptr_array_add(kb->cards, card);
		}
	}
	g_ptr_array_unref(paths);
	if (kb->cards->len == 0) {
		wall_error("kms: no display card to open (is this a machine with /dev/dri/card*, "
		           "and may this user open it?)");
		kms_destroy(&kb->base);
		return NULL;
	}
	return &kb->base;
}

/* Without a forced probe: what the kernel saw last, which is cheap to ask. */
size_t kms_count_connected(GPtrArray *paths)
{
	size_t count = 0;
	for (guint i = 0; i < paths->len; i++) {
		int fd = open(paths->pdata[i], O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			fd = open(paths->pdata[i], O_RDONLY | O_CLOEXEC);
		}
		drmModeRes *res = fd >= 0 ? drmModeGetResources(fd) : NULL;
		for (int c = 0; res != NULL && c < res->count_connectors; c++) {
			drmModeConnector *conn = drmModeGetConnectorCurrent(fd, res->connectors[c]);
			count += conn != NULL && conn->connection == DRM_MODE_CONNECTED;
			drmModeFreeConnector(conn);
		}
		drmModeFreeResources(res);
		if (fd >= 0) {
			close(fd);
		}
	}
	return count;
}

bool wall_kms_available(void)
{
	GPtrArray *paths = wall_kms_card_paths();
	bool found = kms_count_connected(paths) > 0;
	g_ptr_array_unref(paths);
	return found;
}
