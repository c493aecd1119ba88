/*
 * The kms backend's side of the kernel: connectors, modes, CRTCs and
 * planes, dumb buffers, and the atomic or legacy calls that set modes and
 * flip pages, with the wait for the flips to land.
 */
#include <drm_fourcc.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <libyuv.h>

#include "kms.h"
#include "log.h"

/* A flip the kernel has not answered in this long means a wedged driver. */
#define FLIP_TIMEOUT_MS 1000

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
uint32_t kms_find_primary_plane(int fd, int crtc_index)
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

bool kms_find_props(struct kms_output *o)
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
int kms_pick_crtc(struct kms_card *card, const drmModeRes *res, const drmModeConnector *conn)
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
			o->connected_index = (*index)++;
			o->planned = layout != NULL &&
			             wall_layout_output_plan(layout, o->name, o->connected_index,
			                                     &o->plan);
		}
		drmModeFreeConnector(conn);
	}
	drmModeFreeResources(res);
	return true;
}

/* ---- Buffers ---- */

bool kms_dumb_create(int fd, uint32_t width, uint32_t height, struct kms_buffer *buf)
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

void kms_dumb_destroy(int fd, struct kms_buffer *buf)
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
double kms_process_age_ms(void)
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

/* Logged once, not every frame: a monitor taken by another master fails
 * at the refresh rate until it is given back. */
void kms_output_failed(struct kms_output *o, const char *what, const char *why)
{
	if (!o->failing) {
		wall_warning("kms: %s: %s failed: %s", o->name, what, why);
	}
	o->failing = true;
}

void kms_output_works(struct kms_output *o)
{
	if (o->failing) {
		wall_info("kms: %s works again", o->name);
	}
	o->failing = false;
}

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

bool kms_modeset(struct kms_output *o, uint32_t fb_id)
{
	int fd = o->card->fd;
	if (!o->card->atomic) {
		if (drmModeSetCrtc(fd, o->crtc_id, fb_id, 0, 0, &o->connector_id, 1, &o->mode) !=
		    0) {
			kms_output_failed(o, "setting its mode", strerror(errno));
			return false;
		}
		kms_output_works(o);
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
		/* Some drivers claim atomic and refuse what works the old way. */
		wall_warning("kms: %s: atomic modeset to %s failed (%s); trying legacy "
		             "modesetting on %s",
		             o->name, o->mode.name, strerror(errno), o->card->path);
		o->card->atomic = false;
		return kms_modeset(o, fb_id);
	}
	return true;
}

bool kms_disable(struct kms_output *o)
{
	int fd = o->card->fd;
	int ret;
	if (o->card->atomic) {
		drmModeAtomicReq *req = drmModeAtomicAlloc();
		drmModeAtomicAddProperty(req, o->connector_id, o->prop_conn_crtc_id, 0);
		drmModeAtomicAddProperty(req, o->crtc_id, o->prop_crtc_mode_id, 0);
		drmModeAtomicAddProperty(req, o->crtc_id, o->prop_crtc_active, 0);
		drmModeAtomicAddProperty(req, o->plane_id, o->prop_plane_fb_id, 0);
		drmModeAtomicAddProperty(req, o->plane_id, o->prop_plane_crtc_id, 0);
		ret = drmModeAtomicCommit(fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
		drmModeAtomicFree(req);
	} else {
		ret = drmModeSetCrtc(fd, o->crtc_id, 0, 0, 0, NULL, 0, NULL);
	}
	if (ret != 0) {
		wall_warning("kms: %s: cannot turn its display controller off: %s", o->name,
		             strerror(errno));
		return false;
	}
	return true;
}

bool kms_flip(struct kms_output *o, uint32_t fb_id)
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
		kms_output_failed(o, "page flip", strerror(errno));
		return false;
	}
	kms_output_works(o);
	o->flip_pending = true;
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
void kms_wait_flips(struct kms_backend *kb)
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
			/* A signal (stop, VT switch): the flips land all the same,
			 * and the loop sees the signal once they have. */
			continue;
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
