/*
 * The gl renderer: GL ES 3.0, drawing into a canvas framebuffer object that
 * lives across frames, so a frame redraws only what the compositor says
 * changed. Canvas rows run top down from framebuffer row 0; only the copy
 * to a window flips them.
 */
#include <GLES3/gl3.h>
/* After gl3.h, which defines what it needs. */
#include <GLES2/gl2ext.h>
#include <glib.h>
#include <string.h>
#include <libyuv.h>

#include "gl_shader.h"
#include "log.h"
#include "renderer.h"
#include "wall_limits.h"

enum program_index {
	PROGRAM_FILL,
	PROGRAM_RGBA,
	PROGRAM_I420,
	PROGRAM_NV12,
	PROGRAM_COUNT,
};

static const char *const fragment_files[PROGRAM_COUNT] = {
	[PROGRAM_FILL] = "fill.frag",
	[PROGRAM_RGBA] = "rgba.frag",
	[PROGRAM_I420] = "i420.frag",
	[PROGRAM_NV12] = "nv12.frag",
};

struct plane_info {
	GLint internal_format;
	GLenum format;
	uint32_t bytes_px;
	/* 4:2:0 chroma: half the width and height, rounded up. */
	bool subsampled;
};

struct format_info {
	int plane_count;
	struct plane_info planes[3];
	enum program_index program;
	bool has_alpha;
};

static const struct format_info formats[] = {
	[WALL_PIXEL_FORMAT_I420] = {3,
				    {{GL_R8, GL_RED, 1, false},
				     {GL_R8, GL_RED, 1, true},
				     {GL_R8, GL_RED, 1, true}},
				    PROGRAM_I420,
				    false},
	[WALL_PIXEL_FORMAT_NV12] = {2,
				    {{GL_R8, GL_RED, 1, false}, {GL_RG8, GL_RG, 2, true}},
				    PROGRAM_NV12,
				    false},
	[WALL_PIXEL_FORMAT_BGRA] = {1, {{GL_RGBA8, GL_RGBA, 4, false}}, PROGRAM_RGBA, true},
	[WALL_PIXEL_FORMAT_RGBA] = {1, {{GL_RGBA8, GL_RGBA, 4, false}}, PROGRAM_RGBA, true},
};

struct gl_renderer {
	struct wall_renderer base;
	GLuint canvas_tex;
	GLuint canvas_fbo;
	GLuint vao;
	struct wall_gl_program programs[PROGRAM_COUNT];
};

/* What a wall_texture holds on this renderer. */
struct gl_texture {
	GLuint planes[3];
	/* YUV only: rgb = yuv_matrix * (yuv - yuv_offset), matrix row-major. */
	GLfloat yuv_matrix[9];
	GLfloat yuv_offset[3];
};

static const struct wall_renderer_impl gl_impl;

static struct gl_renderer *gl_renderer(struct wall_renderer *renderer)
{
	return (struct gl_renderer *)renderer;
}

static const struct format_info *format_info(enum wall_pixel_format format)
{
	if ((size_t)format >= G_N_ELEMENTS(formats) || formats[format].plane_count == 0) {
		return NULL;
	}
	return &formats[format];
}

static void gl_destroy(struct wall_renderer *renderer)
{
	struct gl_renderer *gr = gl_renderer(renderer);
	glDeleteVertexArrays(1, &gr->vao);
	glDeleteFramebuffers(1, &gr->canvas_fbo);
	glDeleteTextures(1, &gr->canvas_tex);
	for (int i = 0; i < PROGRAM_COUNT; i++) {
		wall_gl_program_finish(&gr->programs[i]);
	}
	g_free(gr);
}

static bool gl_begin(struct wall_renderer *renderer)
{
	struct gl_renderer *gr = gl_renderer(renderer);
	glBindFramebuffer(GL_FRAMEBUFFER, gr->canvas_fbo);
	glViewport(0, 0, renderer->width_px, renderer->height_px);
	glBindVertexArray(gr->vao);
	glDisable(GL_SCISSOR_TEST);
	/* Dithering would make the same picture differ from the soft renderer's. */
	glDisable(GL_DITHER);
	/* Everything on the canvas is premultiplied: this is Cairo's OVER. */
	glBlendFunc(GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
	return true;
}

/* Use program and place its quad over dest, in canvas pixels. */
static void use_program(struct gl_renderer *gr, const struct wall_gl_program *program,
			const struct wall_rect *dest)
{
	glUseProgram(program->id);
	glUniform2f(program->canvas_px, (GLfloat)gr->base.width_px, (GLfloat)gr->base.height_px);
	glUniform4f(program->dest_px, (GLfloat)dest->x, (GLfloat)dest->y, (GLfloat)dest->width,
		    (GLfloat)dest->height);
}

static void gl_fill(struct wall_renderer *renderer, const struct wall_rect *rect, uint32_t argb)
{
	struct gl_renderer *gr = gl_renderer(renderer);
	struct wall_rect canvas = {0, 0, renderer->width_px, renderer->height_px};
	struct wall_rect clipped = wall_rect_intersection(rect, &canvas);
	GLfloat a = (GLfloat)(argb >> 24) / 255.0f;
	GLfloat r = (GLfloat)(argb >> 16 & 0xff) / 255.0f;
	GLfloat g = (GLfloat)(argb >> 8 & 0xff) / 255.0f;
	GLfloat b = (GLfloat)(argb & 0xff) / 255.0f;
	if (wall_rect_empty(&clipped) || argb >> 24 == 0) {
		return;
	}

	if (argb >> 24 == 0xff) {
		/* A scissored clear needs no shader and no blending. */
		glEnable(GL_SCISSOR_TEST);
		glScissor(clipped.x, clipped.y, clipped.width, clipped.height);
		glClearColor(r, g, b, 1.0f);
		glClear(GL_COLOR_BUFFER_BIT);
		glDisable(GL_SCISSOR_TEST);
		return;
	}

	const struct wall_gl_program *program = &gr->programs[PROGRAM_FILL];
	use_program(gr, program, &clipped);
	glUniform4f(program->fill_color, r * a, g * a, b * a, a);
	glEnable(GL_BLEND);
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

/*
 * The matrix and offset that turn normalised Y'CbCr texels into R'G'B'.
 * Limited range puts black at 16 and white at 235, chroma 16..240, of 255.
 */
static void yuv_coefficients(const struct wall_frame *frame, struct gl_texture *gt)
{
	enum wall_yuv_matrix matrix = frame->matrix;
	if (matrix == WALL_YUV_MATRIX_DEFAULT) {
		matrix = frame->height_px >= 720 ? WALL_YUV_MATRIX_BT709 : WALL_YUV_MATRIX_BT601;
	}
	double kr = matrix == WALL_YUV_MATRIX_BT709 ? 0.2126 : 0.299;
	double kb = matrix == WALL_YUV_MATRIX_BT709 ? 0.0722 : 0.114;
	double kg = 1.0 - kr - kb;
	bool full = frame->range == WALL_YUV_RANGE_FULL;
	double ys = full ? 1.0 : 255.0 / 219.0;
	double cs = full ? 1.0 : 255.0 / 224.0;
	const double m[9] = {
		ys, 0.0,				2.0 * (1.0 - kr) * cs,
		ys, -2.0 * kb * (1.0 - kb) / kg * cs,	-2.0 * kr * (1.0 - kr) / kg * cs,
		ys, 2.0 * (1.0 - kb) * cs,		0.0,
	};
	for (int i = 0; i < 9; i++) {
		gt->yuv_matrix[i] = (GLfloat)m[i];
	}
	gt->yuv_offset[0] = full ? 0.0f : 16.0f / 255.0f;
	gt->yuv_offset[1] = 128.0f / 255.0f;
	gt->yuv_offset[2] = 128.0f / 255.0f;
}

static struct gl_texture *texture_new(const struct format_info *info,
				      enum wall_pixel_format format)
{
	struct gl_texture *gt = g_new0(struct gl_texture, 1);
	glGenTextures(info->plane_count, gt->planes);
	for (int i = 0; i < info->plane_count; i++) {
		glBindTexture(GL_TEXTURE_2D, gt->planes[i]);
		glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
		glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
		/* Bilinear taps at a crop's edge must not wrap to the far side. */
		glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
		glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
	}
	if (format == WALL_PIXEL_FORMAT_BGRA) {
		/* ES 3.0 has no BGRA upload format: swap the channels back on sampling. */
		glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_R, GL_BLUE);
		glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_B, GL_RED);
	}
	return gt;
}

static void gl_texture_finish(struct wall_renderer *renderer, struct wall_texture *tex)
{
	struct gl_texture *gt = tex->priv;
	if (gt == NULL) {
		return;
	}
	glDeleteTextures(3, gt->planes);
	g_free(gt);
	tex->priv = NULL;
	tex->width_px = 0;
	tex->height_px = 0;
	tex->format = WALL_PIXEL_FORMAT_INVALID;
}

static bool gl_upload(struct wall_renderer *renderer, struct wall_texture *tex,
		      const struct wall_frame *frame)
{
	const struct format_info *info = format_info(frame->format);
	if (info == NULL || frame->width_px == 0 || frame->height_px == 0) {
		wall_error("gl: cannot upload a %ux%u frame of pixel format %d", frame->width_px,
			   frame->height_px, (int)frame->format);
		return false;
	}
	for (int i = 0; i < info->plane_count; i++) {
		const struct plane_info *plane = &info->planes[i];
		uint32_t width = plane->subsampled ? (frame->width_px + 1) / 2 : frame->width_px;
		/* GL_UNPACK_ROW_LENGTH counts pixels, so a stride must be whole pixels. */
		if (frame->planes[i] == NULL || frame->strides[i] < width * plane->bytes_px ||
		    frame->strides[i] % plane->bytes_px != 0) {
			wall_error("gl: frame plane %d has no pixels or a bad stride (%u)", i,
				   frame->strides[i]);
			return false;
		}
	}

	if (tex->priv != NULL && tex->format != frame->format) {
		gl_texture_finish(renderer, tex);
	}
	bool allocate = tex->priv == NULL || tex->width_px != frame->width_px ||
			tex->height_px != frame->height_px;
	if (tex->priv == NULL) {
		tex->priv = texture_new(info, frame->format);
	}
	struct gl_texture *gt = tex->priv;

	glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
	for (int i = 0; i < info->plane_count; i++) {
		const struct plane_info *plane = &info->planes[i];
		GLsizei width = (GLsizei)(plane->subsampled ? (frame->width_px + 1) / 2
							    : frame->width_px);
		GLsizei height = (GLsizei)(plane->subsampled ? (frame->height_px + 1) / 2
							     : frame->height_px);
		glBindTexture(GL_TEXTURE_2D, gt->planes[i]);
		glPixelStorei(GL_UNPACK_ROW_LENGTH, (GLint)(frame->strides[i] / plane->bytes_px));
		if (allocate) {
			glTexImage2D(GL_TEXTURE_2D, 0, plane->internal_format, width, height, 0,
				     plane->format, GL_UNSIGNED_BYTE, frame->planes[i]);
		} else {
			glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, plane->format,
					GL_UNSIGNED_BYTE, frame->planes[i]);
		}
	}
	glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
	glPixelStorei(GL_UNPACK_ALIGNMENT, 4);

	if (info->program != PROGRAM_RGBA) {
		yuv_coefficients(frame, gt);
	}
	tex->format = frame->format;
	tex->width_px = frame->width_px;
	tex->height_px = frame->height_px;
	return true;
}

struct interval {
	double min;
	double max;
};

/*
 * The texel centres a crop spans along one axis, in texels: bilinear taps
 * clamped there never blend in the picture next to the crop.
 */
static struct interval texel_interval(double start, double length)
{
	if (length <= 1.0) {
		/* Narrower than a texel: GLSL's clamp() is undefined for min > max. */
		double centre = start + length / 2.0;
		return (struct interval){centre, centre};
	}
	return (struct interval){start + 0.5, start + length - 0.5};
}

static void gl_draw(struct wall_renderer *renderer, struct wall_texture *tex,
		    const struct wall_crop *crop, const struct wall_rect *dest, float alpha)
{
	struct gl_renderer *gr = gl_renderer(renderer);
	struct gl_texture *gt = tex->priv;
	if (gt == NULL || wall_rect_empty(dest) || alpha <= 0.0f) {
		return;
	}
	const struct format_info *info = format_info(tex->format);
	const struct wall_gl_program *program = &gr->programs[info->program];
	struct wall_crop whole = {0, 0, tex->width_px, tex->height_px};
	if (crop == NULL) {
		crop = &whole;
	}
	alpha = alpha > 1.0f ? 1.0f : alpha;

	double w = tex->width_px;
	double h = tex->height_px;
	struct interval u = texel_interval(crop->x, crop->width);
	struct interval v = texel_interval(crop->y, crop->height);

	use_program(gr, program, dest);
	glUniform4f(program->crop_uv, (GLfloat)(crop->x / w), (GLfloat)(crop->y / h),
		    (GLfloat)(crop->width / w), (GLfloat)(crop->height / h));
	glUniform4f(program->uv_bounds, (GLfloat)(u.min / w), (GLfloat)(v.min / h),
		    (GLfloat)(u.max / w), (GLfloat)(v.max / h));
	glUniform1f(program->alpha, alpha);
	if (info->program == PROGRAM_RGBA) {
		glUniform1i(program->premultiplied, tex->format == WALL_PIXEL_FORMAT_BGRA);
	} else {
		glUniformMatrix3fv(program->yuv_matrix, 1, GL_TRUE, gt->yuv_matrix);
		glUniform3fv(program->yuv_offset, 1, gt->yuv_offset);
	}
	for (int i = 0; i < info->plane_count; i++) {
		glActiveTexture(GL_TEXTURE0 + (GLenum)i);
		glBindTexture(GL_TEXTURE_2D, gt->planes[i]);
	}
	glActiveTexture(GL_TEXTURE0);
	if (info->has_alpha || alpha < 1.0f) {
		glEnable(GL_BLEND);
	} else {
		glDisable(GL_BLEND);
	}
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

static bool gl_end(struct wall_renderer *renderer)
{
	GLenum error = glGetError();
	if (error != GL_NO_ERROR) {
		wall_error("gl: error 0x%04x while drawing the frame", error);
		return false;
	}
	return true;
}

static cairo_surface_t *gl_read_canvas(struct wall_renderer *renderer)
{
	struct gl_renderer *gr = gl_renderer(renderer);
	int32_t width = renderer->width_px;
	int32_t height = renderer->height_px;
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
	uint8_t *rgba = g_malloc((size_t)width * height * 4);

	glBindFramebuffer(GL_FRAMEBUFFER, gr->canvas_fbo);
	glPixelStorei(GL_PACK_ALIGNMENT, 4);
	glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, rgba);

	/* Canvas row 0 is the top already; only the channel order differs. */
	cairo_surface_flush(surface);
	ABGRToARGB(rgba, width * 4, cairo_image_surface_get_data(surface),
		   cairo_image_surface_get_stride(surface), width, height);
	cairo_surface_mark_dirty(surface);
	g_free(rgba);
	return surface;
}

static bool gl_snapshot(struct wall_renderer *renderer, struct wall_texture *tex)
{
	struct gl_renderer *gr = gl_renderer(renderer);
	if (tex->priv != NULL) {
		gl_texture_finish(renderer, tex);
	}
	/* No swizzle: the copy holds the canvas's own premultiplied RGBA. */
	struct gl_texture *gt = g_new0(struct gl_texture, 1);
	glGenTextures(1, gt->planes);
	glBindTexture(GL_TEXTURE_2D, gt->planes[0]);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
	glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, renderer->width_px, renderer->height_px);
	/* A copy on the GPU: no round trip through memory. Canvas row 0 is
	 * the top, as in uploaded pictures, so the copy draws upright. */
	glBindFramebuffer(GL_READ_FRAMEBUFFER, gr->canvas_fbo);
	glCopyTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, 0, 0, renderer->width_px,
			    renderer->height_px);
	tex->priv = gt;
	tex->width_px = (uint32_t)renderer->width_px;
	tex->height_px = (uint32_t)renderer->height_px;
	/* Drawn as premultiplied BGRA is: the rgba program, premultiplied on. */
	tex->format = WALL_PIXEL_FORMAT_BGRA;
	GLenum error = glGetError();
	if (error != GL_NO_ERROR) {
		wall_error("gl: cannot copy the canvas (error 0x%04x)", error);
		gl_texture_finish(renderer, tex);
		return false;
	}
	return true;
}

static const struct wall_renderer_impl gl_impl = {
	.name = "gl",
	.destroy = gl_destroy,
	.begin = gl_begin,
	.fill = gl_fill,
	.upload = gl_upload,
	.draw = gl_draw,
	.texture_finish = gl_texture_finish,
	.end = gl_end,
	.read_canvas = gl_read_canvas,
	.snapshot = gl_snapshot,
};

struct wall_renderer *wall_gl_renderer_create(int32_t width_px, int32_t height_px,
					      const char *shader_dir)
{
	GLint max_size = 0;
	glGetIntegerv(GL_MAX_TEXTURE_SIZE, &max_size);
	if (width_px <= 0 || height_px <= 0 || width_px > WALL_MAX_CANVAS_PX ||
	    height_px > WALL_MAX_CANVAS_PX) {
		wall_error("gl: the canvas cannot be %dx%d", width_px, height_px);
		return NULL;
	}
	if (width_px > max_size || height_px > max_size) {
		wall_error("gl: a %dx%d canvas does not fit this GPU (at most %dx%d)", width_px,
			   height_px, max_size, max_size);
		return NULL;
	}

	struct gl_renderer *gr = g_new0(struct gl_renderer, 1);
	gr->base.impl = &gl_impl;
	gr->base.width_px = width_px;
	gr->base.height_px = height_px;
	for (int i = 0; i < PROGRAM_COUNT; i++) {
		if (!wall_gl_program_init(&gr->programs[i], shader_dir, "tile.vert",
					  fragment_files[i])) {
			goto err;
		}
	}

	glGenTextures(1, &gr->canvas_tex);
	glBindTexture(GL_TEXTURE_2D, gr->canvas_tex);
	glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, width_px, height_px);
	glGenFramebuffers(1, &gr->canvas_fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, gr->canvas_fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D,
			       gr->canvas_tex, 0);
	GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
	if (status != GL_FRAMEBUFFER_COMPLETE) {
		wall_error("gl: the %dx%d canvas framebuffer is incomplete (0x%04x)", width_px,
			   height_px, status);
		goto err;
	}
	/* Start transparent, like a new Cairo surface on the soft renderer. */
	glClearColor(0.0f, 0.0f, 0.0f, 0.0f);
	glClear(GL_COLOR_BUFFER_BIT);
	glGenVertexArrays(1, &gr->vao);
	return &gr->base;

err:
	gl_destroy(&gr->base);
	return NULL;
}

/* Blit from the canvas into the framebuffer bound for drawing now. */
static void blit_canvas(struct gl_renderer *gr, const GLint src[4], const GLint dst[4],
			GLenum filter)
{
	GLint target = 0;
	glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &target);
	glBindFramebuffer(GL_READ_FRAMEBUFFER, gr->canvas_fbo);
	/* The scissor test clips blits too. */
	glDisable(GL_SCISSOR_TEST);
	glBlitFramebuffer(src[0], src[1], src[2], src[3], dst[0], dst[1], dst[2], dst[3],
			  GL_COLOR_BUFFER_BIT, filter);
	glBindFramebuffer(GL_READ_FRAMEBUFFER, (GLuint)target);
}

void wall_gl_renderer_blit(struct wall_renderer *renderer, int32_t width_px, int32_t height_px)
{
	int32_t canvas_w = renderer->width_px;
	int32_t canvas_h = renderer->height_px;
	/*
	 * A window's row 0 is its bottom, the canvas's is its top: swapping
	 * the destination's y bounds turns the picture upright.
	 */
	GLenum filter = width_px == canvas_w && height_px == canvas_h ? GL_NEAREST : GL_LINEAR;
	blit_canvas(gl_renderer(renderer), (const GLint[4]){0, 0, canvas_w, canvas_h},
		    (const GLint[4]){0, height_px, width_px, 0}, filter);
}

void wall_gl_renderer_blit_crop(struct wall_renderer *renderer, const struct wall_rect *crop,
				int32_t width_px, int32_t height_px)
{
	glDisable(GL_SCISSOR_TEST);
	glClearColor(0, 0, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	struct wall_rect canvas = {0, 0, renderer->width_px, renderer->height_px};
	struct wall_rect part = wall_rect_intersection(crop, &canvas);
	if (wall_rect_empty(&part)) {
		return;
	}
	/* Where part lands, counted from the target's top left, then flipped as above. */
	GLint x = part.x - crop->x;
	GLint top = part.y - crop->y;
	blit_canvas(gl_renderer(renderer),
		    (const GLint[4]){part.x, part.y, part.x + part.width, part.y + part.height},
		    (const GLint[4]){x, height_px - top, x + part.width, height_px - top - part.height},
		    GL_NEAREST);
}

bool wall_gl_renderer_read_crop(struct wall_renderer *renderer, const struct wall_rect *crop,
				uint8_t *data, int stride_bytes)
{
	struct wall_rect canvas = {0, 0, renderer->width_px, renderer->height_px};
	struct wall_rect part = wall_rect_intersection(crop, &canvas);
	if (wall_rect_empty(&part)) {
		return true;
	}
	uint8_t *at = data + (size_t)(part.y - crop->y) * (size_t)stride_bytes +
		      (size_t)(part.x - crop->x) * 4;
	const char *extensions = (const char *)glGetString(GL_EXTENSIONS);
	bool bgra = extensions != NULL && strstr(extensions, "GL_EXT_read_format_bgra") != NULL;
	while (glGetError() != GL_NO_ERROR) {
		/* Only this read's errors count below. */
	}
	GLint previous = 0;
	glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &previous);
	glBindFramebuffer(GL_READ_FRAMEBUFFER, gl_renderer(renderer)->canvas_fbo);
	glPixelStorei(GL_PACK_ALIGNMENT, 4);
	glPixelStorei(GL_PACK_ROW_LENGTH, stride_bytes / 4);
	/* Canvas row 0 is the top, as memory's: rows come out upright. */
	glReadPixels(part.x, part.y, part.width, part.height, bgra ? GL_BGRA_EXT : GL_RGBA,
		     GL_UNSIGNED_BYTE, at);
	glPixelStorei(GL_PACK_ROW_LENGTH, 0);
	glBindFramebuffer(GL_READ_FRAMEBUFFER, (GLuint)previous);
	if (!bgra) {
		/* Without the extension, GL ES reads RGBA only: swap in place. */
		ABGRToARGB(at, stride_bytes, at, stride_bytes, part.width, part.height);
	}
	return glGetError() == GL_NO_ERROR;
}

bool wall_renderer_is_gl(const struct wall_renderer *renderer)
{
	return renderer != NULL && renderer->impl == &gl_impl;
}
