/* Loading the gl renderer's GLSL programs from shaders/ at run time. */
#ifndef WALL_GL_SHADER_H
#define WALL_GL_SHADER_H

#include <GLES3/gl3.h>
#include <stdbool.h>

/**
 * A linked program and the locations of the uniforms the renderer sets.
 * A location is -1 where the program does not use that uniform.
 */
struct wall_gl_program {
	GLuint id;
	GLint canvas_px;
	GLint dest_px;
	GLint crop_uv;
	GLint uv_bounds;
	GLint alpha;
	GLint premultiplied;
	GLint fill_color;
	GLint yuv_matrix;
	GLint yuv_offset;
};

/**
 * Compile shader_dir/vert_name and shader_dir/frag_name and link them.
 * Samplers plane0..plane2 are bound to texture units 0..2. Returns false,
 * having logged the file and GL's info log, when a step fails.
 */
bool wall_gl_program_init(struct wall_gl_program *program, const char *shader_dir,
			  const char *vert_name, const char *frag_name);
/** Delete the program. Accepts one never initialised (zeroed). */
void wall_gl_program_finish(struct wall_gl_program *program);

#endif
