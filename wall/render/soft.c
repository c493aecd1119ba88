/*
 * The soft renderer: libyuv scales and converts each tile straight into a
 * Cairo ARGB32 canvas in memory, for machines without a usable GPU.
 *
 * The canvas is always opaque: it starts black, fills and draws blend
 * "over" it, and libyuv's blend writes alpha 255. So premultiplied and
 * straight values agree on the canvas, and backends can show it as is.
 *
 * Targets (wall_soft_renderer_set_targets) let a backend take the canvas
 * in pieces: each output's scanout buffer gets its crop drawn straight
 * into it, and the canvas in memory is left alone.
 *
 * Textures point at the frame's planes (no copy). Scratch buffers live in
 * each texture and are kept across frames, so once tile sizes settle a
 * frame costs no allocation of ours.
 */
#include "renderer.h"

#include <glib.h>
#include <libyuv.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "argb.h"
#include "log.h"

/* Far beyond any wall, and within libyuv's clipped-scale limits. */
#define MAX_SIDE_PX 32768

/** Memory holding rect of the canvas, one ARGB32 pixel per canvas pixel. */
struct soft_view {
	uint8_t *data;
	int stride;
	struct wall_rect rect;
};

struct soft_renderer {
	struct wall_renderer base;
	cairo_surface_t *canvas;
	uint8_t *canvas_data;
	int canvas_stride;
	/** Where draws go: the canvas alone, or the backend's targets. */
	GArray *views;
	/** struct wall_rect: canvas areas drawn since the targets were set. */
	GArray *damage;
	/** One row of a translucent fill colour, canvas wide. */
	uint32_t *fill_row;
};

/** A buffer that grows when needed and shrinks only when far too big. */
struct scratch {
	uint8_t *data;
	size_t capacity;
};

struct soft_texture {
	/** The caller's frame; its planes stay valid until the next upload. */
	struct wall_frame frame;
	const struct YuvConstants *yuv_constants;
	/** The frame scaled to the destination size, as I420 (or luma only). */
	struct scratch yuv;
	/** NV12 chroma split into U and V planes, at source size. */
	struct scratch split;
	/** ARGB at destination size: scaled BGRA, or YUV for fades and odd clips. */
	struct scratch argb;
	/** RGBA frames converted to premultiplied BGRA, at source size. */
	struct scratch premul;
	bool premul_stale;
	/** A copy of the canvas that frame points at (snapshot()). */
	struct scratch own;
};

/*
 * Planes of a YUV picture; NV12 keeps its interleaved chroma in u. Chroma
 * has half the luma's size both ways, or the same size when full_chroma.
 */
struct yuv_view {
	bool nv12;
	bool full_chroma;
	const uint8_t *y;
	const uint8_t *u;
	const uint8_t *v;
	int y_stride;
	int u_stride;
	int v_stride;
};

static const struct wall_renderer_impl soft_impl;

static struct soft_renderer *soft_from(struct wall_renderer *renderer)
{
	return (struct soft_renderer *)renderer;
}

static uint8_t *scratch_reserve(struct scratch *s, size_t size)
{
	/* Shrinking too keeps a tile that went fullscreen once from holding
	 * its big buffer for ever, without thrashing on small changes. */
	if (size > s->capacity || size < s->capacity / 4) {
		g_free(s->data);
		s->data = g_malloc(size);
		s->capacity = size;
	}
	return s->data;
}

static void scratch_free(struct scratch *s)
{
	g_free(s->data);
	*s = (struct scratch){0};
}

static int align32(int n)
{
	return (n + 31) & ~31;
}

/* x, y in canvas pixels, inside view->rect. */
static uint8_t *view_at(const struct soft_view *view, int32_t x, int32_t y)
{
	return view->data + (size_t)(y - view->rect.y) * view->stride +
	       (size_t)(x - view->rect.x) * 4;
}

/* Beyond this many rectangles (frames drawn while no output takes them),
 * their bounding box stands for them all. */
#define MAX_DAMAGE_RECTS 1024

static void add_damage(struct soft_renderer *r, const struct wall_rect *rect)
{
	if (r->damage->len >= MAX_DAMAGE_RECTS) {
		struct wall_rect box = *rect;
		for (guint i = 0; i < r->damage->len; i++) {
			box = wall_rect_union(&box, &g_array_index(r->damage, struct wall_rect, i));
		}
		g_array_set_size(r->damage, 0);
		g_array_append_val(r->damage, box);
		return;
	}
	g_array_append_val(r->damage, *rect);
}

static struct wall_rect clip_to_canvas(struct soft_renderer *r, const struct wall_rect *rect)
{
	struct wall_rect canvas = {0, 0, r->base.width_px, r->base.height_px};
	return wall_rect_intersection(rect, &canvas);
}

/* Box filtering only pays when shrinking by more than half both ways;
 * libyuv would drop to bilinear otherwise anyway. */
static enum FilterMode pick_filter(int src_w, int src_h, int dst_w, int dst_h)
{
	if (src_w > 2 * dst_w && src_h > 2 * dst_h) {
		return kFilterBox;
	}
	return kFilterBilinear;
}

/*
 * libyuv's limited-range tables round the U-to-blue factor down to 2.0
 * (128/64) unless libyuv was built with LIBYUV_UNLIMITED_DATA, which
 * distributions do not set. BT.709 wants 2.112, so saturated blues came
 * out up to 9 levels short, and the gl renderer, which uses the exact
 * matrix, would not match. That build option changes only the tables, not
 * the SIMD code, so copy libyuv's table and put the exact factor in.
 */
static bool set_u_to_blue(struct YuvConstants *c, const struct YuvConstants *base, int ub)
{
	*c = *base;
#ifdef KUVTOB
	/* x86 layout: U and V factor pairs for blue, V's always 0. */
	for (size_t i = 0; i < sizeof(c->kUVToB); i += 2) {
		c->kUVToB[i] = (uint8_t)ub;
	}
#else
	/* Arm layout: the bias folds in 128 * UB, so it moves with it. */
	int old = c->kUVCoeff[0];
	c->kUVCoeff[0] = (uint8_t)ub;
	c->kRGBCoeffBias[1] = (int16_t)(c->kRGBCoeffBias[1] + (ub - old) * 128);
#endif
	return true;
}

/* Does c turn limited-range Y'CbCr into the R'G'B' that kr, kb define? */
static bool yuv_constants_exact(const struct YuvConstants *c, double kr, double kb)
{
	/* Saturated colours and greys; 16 of them, so SIMD rows run too. */
	static const uint8_t yuv[16][3] = {
	        {28, 212, 120},  {63, 102, 240}, {168, 44, 136},  {133, 63, 52},
	        {63, 193, 204},  {16, 128, 128}, {235, 128, 128}, {126, 128, 128},
	        {41, 240, 110},  {81, 90, 240},  {145, 54, 34},   {210, 16, 146},
	        {106, 202, 222}, {170, 166, 16}, {40, 16, 240},   {200, 240, 16},
	};
	uint8_t ys[16], us[16], vs[16], argb[16 * 4];
	for (int i = 0; i < 16; i++) {
		ys[i] = yuv[i][0];
		us[i] = yuv[i][1];
		vs[i] = yuv[i][2];
	}
	I444ToARGBMatrix(ys, 16, us, 16, vs, 16, argb, 16 * 4, c, 16, 1);
	double kg = 1.0 - kr - kb;
	for (int i = 0; i < 16; i++) {
		double y = (ys[i] - 16) / 219.0;
		double pb = (us[i] - 128) / 224.0;
		double pr = (vs[i] - 128) / 224.0;
		double r = y + 2.0 * (1.0 - kr) * pr;
		double b = y + 2.0 * (1.0 - kb) * pb;
		double want[3] = {b, (y - kr * r - kb * b) / kg, r};
		for (int k = 0; k < 3; k++) {
			double v = fmin(fmax(want[k] * 255.0, 0.0), 255.0);
			if (fabs(argb[i * 4 + k] - v) > 2.0) {
				return false;
			}
		}
	}
	return true;
}

static struct YuvConstants bt601_limited;
static struct YuvConstants bt709_limited;
static const struct YuvConstants *bt601_limited_ptr = &kYuvI601Constants;
static const struct YuvConstants *bt709_limited_ptr = &kYuvH709Constants;

static void make_exact_constants(void)
{
	/* round(2.018 * 64) and round(2.112 * 64), as libyuv's own comments
	 * give them. The check guards against a future table layout. */
	if (set_u_to_blue(&bt601_limited, &kYuvI601Constants, 129) &&
	    yuv_constants_exact(&bt601_limited, 0.299, 0.114)) {
		bt601_limited_ptr = &bt601_limited;
	}
	if (set_u_to_blue(&bt709_limited, &kYuvH709Constants, 135) &&
	    yuv_constants_exact(&bt709_limited, 0.2126, 0.0722)) {
		bt709_limited_ptr = &bt709_limited;
	} else {
		wall_warning("soft: libyuv's BT.709 tables are not exact here; blues may be "
		             "slightly dark");
	}
}

static const struct YuvConstants *pick_yuv_constants(const struct wall_frame *frame)
{
	bool bt709 = frame->matrix == WALL_YUV_MATRIX_BT709 ||
	             (frame->matrix == WALL_YUV_MATRIX_DEFAULT && frame->height_px >= 720);
	bool full = frame->range == WALL_YUV_RANGE_FULL;
	if (bt709) {
		return full ? &kYuvF709Constants : bt709_limited_ptr;
	}
	return full ? &kYuvJPEGConstants : bt601_limited_ptr;
}

static bool frame_valid(const struct wall_frame *f)
{
	if (f->width_px == 0 || f->height_px == 0 || f->width_px > MAX_SIDE_PX ||
	    f->height_px > MAX_SIDE_PX) {
		return false;
	}
	for (int i = 0; i < 3; i++) {
		if (f->strides[i] > INT_MAX) {
			return false;
		}
	}
	uint32_t chroma_w = (f->width_px + 1) / 2;
	switch (f->format) {
	case WALL_PIXEL_FORMAT_I420:
		return f->planes[0] != NULL && f->planes[1] != NULL && f->planes[2] != NULL &&
		       f->strides[0] >= f->width_px && f->strides[1] >= chroma_w &&
		       f->strides[2] >= chroma_w;
	case WALL_PIXEL_FORMAT_NV12:
		return f->planes[0] != NULL && f->planes[1] != NULL &&
		       f->strides[0] >= f->width_px && f->strides[1] >= chroma_w * 2;
	case WALL_PIXEL_FORMAT_BGRA:
	case WALL_PIXEL_FORMAT_RGBA:
		return f->planes[0] != NULL && f->strides[0] >= f->width_px * 4;
	default:
		return false;
	}
}

/*
 * Round crop to whole source pixels inside the picture. YUV crops start
 * on even pixels so chroma samples stay paired with their luma.
 */
static bool crop_to_source(const struct wall_crop *crop, uint32_t width, uint32_t height, bool even,
                           struct wall_rect *out)
{
	/* fmax() and fmin() would quietly turn a NaN into the whole picture. */
	if (!isfinite(crop->x) || !isfinite(crop->y) || !isfinite(crop->width) ||
	    !isfinite(crop->height)) {
		return false;
	}
	double x0 = fmax(crop->x, 0.0);
	double y0 = fmax(crop->y, 0.0);
	double x1 = fmin(crop->x + crop->width, width);
	double y1 = fmin(crop->y + crop->height, height);
	if (!(x1 > x0 && y1 > y0)) {
		return false;
	}
	int32_t ix0 = MIN((int32_t)lround(x0), (int32_t)width - 1);
	int32_t iy0 = MIN((int32_t)lround(y0), (int32_t)height - 1);
	if (even) {
		ix0 &= ~1;
		iy0 &= ~1;
	}
	/* A sliver thinner than half a pixel still shows its one pixel. */
	int32_t ix1 = MAX((int32_t)lround(x1), ix0 + 1);
	int32_t iy1 = MAX((int32_t)lround(y1), iy0 + 1);
	*out = (struct wall_rect){ix0, iy0, ix1 - ix0, iy1 - iy0};
	return true;
}

/* Move a view by x, y luma pixels; both must be even. */
static void yuv_view_offset(struct yuv_view *v, int x, int y)
{
	v->y += (size_t)y * v->y_stride + x;
	if (v->full_chroma) {
		v->u += (size_t)y * v->u_stride + x;
		v->v += (size_t)y * v->v_stride + x;
		return;
	}
	v->u += (size_t)(y / 2) * v->u_stride + (v->nv12 ? x : x / 2);
	if (!v->nv12) {
		v->v += (size_t)(y / 2) * v->v_stride + x / 2;
	}
}

static void yuv_to_argb(const struct soft_texture *st, const struct yuv_view *v, uint8_t *dst,
                        int dst_stride, int width, int height)
{
	if (v->full_chroma) {
		I444ToARGBMatrix(v->y, v->y_stride, v->u, v->u_stride, v->v, v->v_stride, dst,
		                 dst_stride, st->yuv_constants, width, height);
	} else if (v->nv12) {
		NV12ToARGBMatrix(v->y, v->y_stride, v->u, v->u_stride, dst, dst_stride,
		                 st->yuv_constants, width, height);
	} else {
		I420ToARGBMatrix(v->y, v->y_stride, v->u, v->u_stride, v->v, v->v_stride, dst,
		                 dst_stride, st->yuv_constants, width, height);
	}
}

/*
 * Scale a src_w x src_h picture into the texture's scratch at w x h, as
 * I420. NV12 chroma is split into planes first: libyuv's interleaved UV
 * scaler filters with 7-bit weights and loses up to two levels of chroma
 * (240 becomes 238) on any picture, where its plane scaler is exact.
 */
static void scale_yuv(struct soft_texture *st, const struct yuv_view *src, int src_w, int src_h,
                      int w, int h, struct yuv_view *out)
{
	struct yuv_view planar = *src;
	if (src->nv12) {
		int src_cw = (src_w + 1) / 2;
		int src_ch = (src_h + 1) / 2;
		size_t plane = (size_t)src_cw * src_ch;
		uint8_t *split = scratch_reserve(&st->split, 2 * plane);
		SplitUVPlane(src->u, src->u_stride, split, src_cw, split + plane, src_cw, src_cw,
		             src_ch);
		planar = (struct yuv_view){
		        .y = src->y,
		        .u = split,
		        .v = split + plane,
		        .y_stride = src->y_stride,
		        .u_stride = src_cw,
		        .v_stride = src_cw,
		};
	}

	int y_stride = align32(w);
	int c_stride = align32((w + 1) / 2);
	size_t y_size = (size_t)y_stride * h;
	size_t c_size = (size_t)c_stride * ((h + 1) / 2);
	uint8_t *buf = scratch_reserve(&st->yuv, y_size + 2 * c_size);
	*out = (struct yuv_view){
	        .y = buf,
	        .u = buf + y_size,
	        .v = buf + y_size + c_size,
	        .y_stride = y_stride,
	        .u_stride = c_stride,
	        .v_stride = c_stride,
	};
	I420Scale(planar.y, planar.y_stride, planar.u, planar.u_stride, planar.v, planar.v_stride,
	          src_w, src_h, buf, y_stride, buf + y_size, c_stride, buf + y_size + c_size,
	          c_stride, w, h, pick_filter(src_w, src_h, w, h));
}

/*
 * Halving both ways (a 1080p camera in a quarter of a 1080p wall) brings
 * the luma down to the chroma's size: only the luma is scaled, and the
 * picture is converted as 4:4:4 with its chroma untouched. A third less
 * to scale, and chroma at the tile's full resolution.
 */
static bool halves_to_chroma(const struct yuv_view *src, int src_w, int src_h, int w, int h)
{
	return !src->nv12 && w == (src_w + 1) / 2 && h == (src_h + 1) / 2;
}

static void scale_luma_only(struct soft_texture *st, const struct yuv_view *src, int src_w,
                            int src_h, int w, int h, struct yuv_view *out)
{
	int y_stride = align32(w);
	uint8_t *buf = scratch_reserve(&st->yuv, (size_t)y_stride * h);
	ScalePlane(src->y, src->y_stride, src_w, src_h, buf, y_stride, w, h, kFilterBox);
	*out = *src;
	out->full_chroma = true;
	out->y = buf;
	out->y_stride = y_stride;
}

/* Make view a picture of exactly dest's size from src_rect of the frame. */
static void yuv_prepare(struct soft_texture *st, const struct wall_rect *src_rect,
                        const struct wall_rect *dest, struct yuv_view *out)
{
	const struct wall_frame *f = &st->frame;
	struct yuv_view view = {
	        .nv12 = f->format == WALL_PIXEL_FORMAT_NV12,
	        .y = f->planes[0],
	        .u = f->planes[1],
	        .v = f->planes[2],
	        .y_stride = (int)f->strides[0],
	        .u_stride = (int)f->strides[1],
	        .v_stride = (int)f->strides[2],
	};
	yuv_view_offset(&view, src_rect->x, src_rect->y);

	/* From here on, view is a picture of exactly dest's size. */
	if (halves_to_chroma(&view, src_rect->width, src_rect->height, dest->width,
	                     dest->height)) {
		struct yuv_view scaled;
		scale_luma_only(st, &view, src_rect->width, src_rect->height, dest->width,
		                dest->height, &scaled);
		view = scaled;
	} else if (src_rect->width != dest->width || src_rect->height != dest->height) {
		struct yuv_view scaled;
		scale_yuv(st, &view, src_rect->width, src_rect->height, dest->width, dest->height,
		          &scaled);
		view = scaled;
	}
	*out = view;
}

/* Convert the clip part of a dest-sized picture into one view. */
static void yuv_put(struct soft_texture *st, struct yuv_view view, const struct wall_rect *dest,
                    const struct wall_rect *clip, const struct soft_view *target, float alpha)
{
	/* Converting from an odd offset would pair pixels with the wrong
	 * chroma sample, so start one pixel early, into scratch, and copy. */
	int off_x = clip->x - dest->x;
	int off_y = clip->y - dest->y;
	int odd_x = off_x & 1;
	int odd_y = off_y & 1;
	yuv_view_offset(&view, off_x - odd_x, off_y - odd_y);
	uint8_t *dst = view_at(target, clip->x, clip->y);
	int dst_stride = target->stride;
	bool opaque = alpha >= 0.999f;

	if (opaque && odd_x == 0 && odd_y == 0) {
		yuv_to_argb(st, &view, dst, dst_stride, clip->width, clip->height);
		return;
	}

	int w = clip->width + odd_x;
	int h = clip->height + odd_y;
	int argb_stride = w * 4;
	uint8_t *argb = scratch_reserve(&st->argb, (size_t)argb_stride * h);
	yuv_to_argb(st, &view, argb, argb_stride, w, h);
	const uint8_t *from = argb + (size_t)odd_y * argb_stride + (size_t)odd_x * 4;
	if (opaque) {
		ARGBCopy(from, argb_stride, dst, dst_stride, clip->width, clip->height);
	} else {
		/* YUV is opaque, so "over" at alpha is a straight mix. */
		int mix = CLAMP((int)lroundf(alpha * 256.0f), 1, 255);
		ARGBInterpolate(dst, dst_stride, from, argb_stride, dst, dst_stride, clip->width,
		                clip->height, mix);
	}
}

static void draw_argb(struct soft_texture *st, const struct wall_rect *src_rect,
                      const struct wall_rect *dest, const struct wall_rect *clip,
                      const struct soft_view *target, float alpha)
{
	const struct wall_frame *f = &st->frame;
	const uint8_t *pixels = f->planes[0];
	int stride = (int)f->strides[0];

	if (f->format == WALL_PIXEL_FORMAT_RGBA) {
		/* Converted once per upload, not per draw: a panel is drawn
		 * every frame it is damaged but uploaded only when it changes. */
		int premul_stride = (int)f->width_px * 4;
		size_t size = (size_t)premul_stride * f->height_px;
		uint8_t *premul = st->premul.data;
		if (st->premul_stale) {
			premul = scratch_reserve(&st->premul, size);
			/* libyuv names formats by their word order: its ABGR is
			 * R, G, B, A in memory, its ARGB is our BGRA. */
			ABGRToARGB(pixels, stride, premul, premul_stride, (int)f->width_px,
			           (int)f->height_px);
			ARGBAttenuate(premul, premul_stride, premul, premul_stride,
			              (int)f->width_px, (int)f->height_px);
			st->premul_stale = false;
		}
		pixels = premul;
		stride = premul_stride;
	}
	pixels += (size_t)src_rect->y * stride + (size_t)src_rect->x * 4;

	int off_x = clip->x - dest->x;
	int off_y = clip->y - dest->y;
	const uint8_t *from;
	int from_stride;
	/* Set when from is our own scratch, which a fade may overwrite. */
	uint8_t *scaled = NULL;
	if (src_rect->width == dest->width && src_rect->height == dest->height) {
		from = pixels + (size_t)off_y * stride + (size_t)off_x * 4;
		from_stride = stride;
	} else {
		/* ARGBScaleClip computes only the visible part, at its place in
		 * a dest-sized picture. */
		int argb_stride = dest->width * 4;
		uint8_t *argb = scratch_reserve(&st->argb, (size_t)argb_stride * dest->height);
		ARGBScaleClip(
		        pixels, stride, src_rect->width, src_rect->height, argb, argb_stride,
		        dest->width, dest->height, off_x, off_y, clip->width, clip->height,
		        pick_filter(src_rect->width, src_rect->height, dest->width, dest->height));
		scaled = argb + (size_t)off_y * argb_stride + (size_t)off_x * 4;
		from = scaled;
		from_stride = argb_stride;
	}

	if (alpha < 0.999f) {
		uint32_t a = (uint32_t)lroundf(alpha * 255.0f);
		uint8_t *faded;
		int faded_stride;
		if (scaled != NULL) {
			faded = scaled;
			faded_stride = from_stride;
		} else {
			/* Still the caller's pixels: never write those. */
			faded_stride = clip->width * 4;
			faded = scratch_reserve(&st->argb, (size_t)faded_stride * clip->height);
		}
		/* Premultiplied colour fades by scaling every channel, alpha too. */
		ARGBShade(from, from_stride, faded, faded_stride, clip->width, clip->height,
		          a * 0x01010101u);
		from = faded;
		from_stride = faded_stride;
	}

	uint8_t *dst = view_at(target, clip->x, clip->y);
	ARGBBlend(from, from_stride, dst, target->stride, dst, target->stride, clip->width,
	          clip->height);
}

static void soft_draw(struct wall_renderer *renderer, struct wall_texture *tex,
                      const struct wall_crop *crop, const struct wall_rect *dest, float alpha)
{
	struct soft_renderer *r = soft_from(renderer);
	struct soft_texture *st = tex->priv;
	/* Written so that a NaN alpha draws nothing too. */
	if (st == NULL || st->frame.format == WALL_PIXEL_FORMAT_INVALID || !(alpha > 0.0f)) {
		return;
	}
	if (dest->width > MAX_SIDE_PX || dest->height > MAX_SIDE_PX) {
		wall_debug("soft: not drawing into a %dx%d rectangle", dest->width, dest->height);
		return;
	}
	struct wall_rect clip = clip_to_canvas(r, dest);
	if (wall_rect_empty(&clip)) {
		return;
	}

	const struct wall_frame *f = &st->frame;
	bool yuv = f->format == WALL_PIXEL_FORMAT_I420 || f->format == WALL_PIXEL_FORMAT_NV12;
	struct wall_rect src_rect;
	if (!crop_to_source(crop, f->width_px, f->height_px, yuv, &src_rect)) {
		return;
	}
	add_damage(r, &clip);
	/* A YUV picture is scaled once, however many outputs it spans. */
	struct yuv_view scaled = {0};
	if (yuv) {
		yuv_prepare(st, &src_rect, dest, &scaled);
	}
	for (guint i = 0; i < r->views->len; i++) {
		const struct soft_view *target = &g_array_index(r->views, struct soft_view, i);
		struct wall_rect part = wall_rect_intersection(&clip, &target->rect);
		if (wall_rect_empty(&part)) {
			continue;
		}
		if (yuv) {
			yuv_put(st, scaled, dest, &part, target, alpha);
		} else {
			draw_argb(st, &src_rect, dest, &part, target, alpha);
		}
	}
}

static bool soft_upload(struct wall_renderer *renderer, struct wall_texture *tex,
                        const struct wall_frame *frame)
{
	struct soft_texture *st = tex->priv;
	if (st == NULL) {
		st = g_new0(struct soft_texture, 1);
		tex->priv = st;
	}
	/* The caller may release the previous frame now, so forget it even
	 * when this one is refused. */
	if (!frame_valid(frame)) {
		st->frame = (struct wall_frame){0};
		tex->width_px = 0;
		tex->height_px = 0;
		tex->format = WALL_PIXEL_FORMAT_INVALID;
		return false;
	}
	st->frame = *frame;
	st->yuv_constants = pick_yuv_constants(frame);
	st->premul_stale = true;
	tex->width_px = frame->width_px;
	tex->height_px = frame->height_px;
	tex->format = frame->format;
	return true;
}

static void soft_texture_finish(struct wall_renderer *renderer, struct wall_texture *tex)
{
	struct soft_texture *st = tex->priv;
	if (st != NULL) {
		scratch_free(&st->yuv);
		scratch_free(&st->split);
		scratch_free(&st->argb);
		scratch_free(&st->premul);
		scratch_free(&st->own);
		g_free(st);
	}
	*tex = (struct wall_texture){0};
}

static void soft_fill(struct wall_renderer *renderer, const struct wall_rect *rect, uint32_t argb)
{
	struct soft_renderer *r = soft_from(renderer);
	struct wall_rect clip = clip_to_canvas(r, rect);
	uint32_t a = argb >> 24;
	if (wall_rect_empty(&clip) || a == 0) {
		return;
	}
	add_damage(r, &clip);
	if (a < 255) {
		ARGBRect((uint8_t *)r->fill_row, 0, 0, 0, clip.width, 1, wall_argb_premultiply(argb));
	}
	for (guint i = 0; i < r->views->len; i++) {
		const struct soft_view *target = &g_array_index(r->views, struct soft_view, i);
		struct wall_rect part = wall_rect_intersection(&clip, &target->rect);
		if (wall_rect_empty(&part)) {
			continue;
		}
		uint8_t *dst = view_at(target, part.x, part.y);
		if (a == 255) {
			ARGBRect(dst, target->stride, 0, 0, part.width, part.height, argb);
			continue;
		}
		/* A source stride of 0 repeats the one colour row down the rect. */
		ARGBBlend((const uint8_t *)r->fill_row, 0, dst, target->stride, dst,
		          target->stride, part.width, part.height);
	}
}

static bool soft_begin(struct wall_renderer *renderer)
{
	/* Whatever Cairo drew onto the canvas lands before libyuv writes. */
	cairo_surface_flush(soft_from(renderer)->canvas);
	return true;
}

static bool soft_end(struct wall_renderer *renderer)
{
	/* Cairo may cache the surface; tell it libyuv changed the pixels. */
	cairo_surface_mark_dirty(soft_from(renderer)->canvas);
	return true;
}

/*
 * The canvas as the views hold it, into dst. With targets, what no target
 * shows (bezels, monitors that are off) comes out black.
 */
static void copy_canvas(struct soft_renderer *r, uint8_t *dst, int dst_stride)
{
	cairo_surface_flush(r->canvas);
	const struct soft_view *first = &g_array_index(r->views, struct soft_view, 0);
	if (first->data != r->canvas_data) {
		ARGBRect(dst, dst_stride, 0, 0, r->base.width_px, r->base.height_px, 0xff000000u);
	}
	for (guint i = 0; i < r->views->len; i++) {
		const struct soft_view *view = &g_array_index(r->views, struct soft_view, i);
		struct wall_rect part = clip_to_canvas(r, &view->rect);
		if (!wall_rect_empty(&part)) {
			ARGBCopy(view_at(view, part.x, part.y), view->stride,
			         dst + (size_t)part.y * dst_stride + (size_t)part.x * 4, dst_stride,
			         part.width, part.height);
		}
	}
}

static cairo_surface_t *soft_read_canvas(struct wall_renderer *renderer)
{
	struct soft_renderer *r = soft_from(renderer);
	cairo_surface_t *copy = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, r->base.width_px,
	                                                   r->base.height_px);
	if (cairo_surface_status(copy) != CAIRO_STATUS_SUCCESS) {
		wall_error("soft: cannot copy the canvas: %s",
		           cairo_status_to_string(cairo_surface_status(copy)));
		cairo_surface_destroy(copy);
		return NULL;
	}
	cairo_surface_flush(copy);
	copy_canvas(r, cairo_image_surface_get_data(copy), cairo_image_surface_get_stride(copy));
	cairo_surface_mark_dirty(copy);
	return copy;
}

static bool soft_snapshot(struct wall_renderer *renderer, struct wall_texture *tex)
{
	struct soft_renderer *r = soft_from(renderer);
	struct soft_texture *st = tex->priv;
	if (st == NULL) {
		st = g_new0(struct soft_texture, 1);
		tex->priv = st;
	}
	int stride = r->base.width_px * 4;
	uint8_t *copy = scratch_reserve(&st->own, (size_t)stride * r->base.height_px);
	copy_canvas(r, copy, stride);
	/* The canvas is opaque, so as BGRA it is premultiplied already. */
	st->frame = (struct wall_frame){
	        .format = WALL_PIXEL_FORMAT_BGRA,
	        .width_px = (uint32_t)r->base.width_px,
	        .height_px = (uint32_t)r->base.height_px,
	        .planes = {copy},
	        .strides = {(uint32_t)stride},
	};
	st->premul_stale = true;
	tex->width_px = st->frame.width_px;
	tex->height_px = st->frame.height_px;
	tex->format = WALL_PIXEL_FORMAT_BGRA;
	return true;
}

static void soft_destroy(struct wall_renderer *renderer)
{
	struct soft_renderer *r = soft_from(renderer);
	cairo_surface_destroy(r->canvas);
	g_free(r->fill_row);
	g_array_unref(r->views);
	g_array_unref(r->damage);
	g_free(r);
}

static const struct wall_renderer_impl soft_impl = {
        .name = "soft",
        .destroy = soft_destroy,
        .begin = soft_begin,
        .fill = soft_fill,
        .upload = soft_upload,
        .draw = soft_draw,
        .texture_finish = soft_texture_finish,
        .end = soft_end,
        .read_canvas = soft_read_canvas,
        .snapshot = soft_snapshot,
};

struct wall_renderer *wall_soft_renderer_create(int32_t width_px, int32_t height_px)
{
	if (width_px <= 0 || height_px <= 0 || width_px > MAX_SIDE_PX || height_px > MAX_SIDE_PX) {
		wall_error("soft: a %dx%d canvas is not possible", width_px, height_px);
		return NULL;
	}
	static gsize constants_ready = 0;
	if (g_once_init_enter(&constants_ready)) {
		make_exact_constants();
		g_once_init_leave(&constants_ready, 1);
	}

	struct soft_renderer *r = g_new0(struct soft_renderer, 1);
	r->base.impl = &soft_impl;
	r->base.width_px = width_px;
	r->base.height_px = height_px;

	r->canvas = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width_px, height_px);
	if (cairo_surface_status(r->canvas) != CAIRO_STATUS_SUCCESS) {
		wall_error("soft: cannot make a %dx%d canvas: %s", width_px, height_px,
		           cairo_status_to_string(cairo_surface_status(r->canvas)));
		goto err_canvas;
	}
	r->canvas_data = cairo_image_surface_get_data(r->canvas);
	r->canvas_stride = cairo_image_surface_get_stride(r->canvas);
	r->fill_row = g_new(uint32_t, width_px);

	/* Opaque from the start; see the top of this file. */
	ARGBRect(r->canvas_data, r->canvas_stride, 0, 0, width_px, height_px, 0xff000000u);
	cairo_surface_mark_dirty(r->canvas);
	r->views = g_array_new(FALSE, FALSE, sizeof(struct soft_view));
	r->damage = g_array_new(FALSE, FALSE, sizeof(struct wall_rect));
	wall_soft_renderer_set_targets(&r->base, NULL, 0);
	return &r->base;

err_canvas:
	cairo_surface_destroy(r->canvas);
	g_free(r);
	return NULL;
}

void wall_soft_renderer_canvas(struct wall_renderer *renderer, uint8_t **data, int *stride)
{
	g_return_if_fail(wall_renderer_is_soft(renderer));
	struct soft_renderer *r = soft_from(renderer);
	cairo_surface_flush(r->canvas);
	*data = r->canvas_data;
	*stride = r->canvas_stride;
}

void wall_soft_renderer_set_targets(struct wall_renderer *renderer,
                                    const struct wall_soft_target *targets, size_t count)
{
	g_return_if_fail(wall_renderer_is_soft(renderer));
	struct soft_renderer *r = soft_from(renderer);
	g_array_set_size(r->views, 0);
	g_array_set_size(r->damage, 0);
	if (count == 0) {
		struct soft_view canvas = {
		        r->canvas_data, r->canvas_stride, {0, 0, r->base.width_px, r->base.height_px}};
		g_array_append_val(r->views, canvas);
		return;
	}
	for (size_t i = 0; i < count; i++) {
		struct soft_view view = {targets[i].data, targets[i].stride_bytes, targets[i].rect};
		g_array_append_val(r->views, view);
	}
}

const struct wall_rect *wall_soft_renderer_damage(struct wall_renderer *renderer, size_t *count)
{
	struct soft_renderer *r = soft_from(renderer);
	*count = r->damage->len;
	return (const struct wall_rect *)(void *)r->damage->data;
}

bool wall_renderer_is_soft(const struct wall_renderer *renderer)
{
	return renderer != NULL && renderer->impl == &soft_impl;
}
