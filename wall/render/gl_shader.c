#include "gl_shader.h"

#include <glib.h>

#include "log.h"

/* The info log of a shader or program, for error messages. g_free it. */
static char *info_log(GLuint object, bool is_program)
{
	GLint length = 0;
	if (is_program) {
		glGetProgramiv(object, GL_INFO_LOG_LENGTH, &length);
	} else {
		glGetShaderiv(object, GL_INFO_LOG_LENGTH, &length);
	}
	char *log = g_malloc0((gsize)length + 1);
	if (length > 0) {
		if (is_program) {
			glGetProgramInfoLog(object, length, NULL, log);
		} else {
			glGetShaderInfoLog(object, length, NULL, log);
		}
	}
	g_strchomp(log);
	return log;
}

static GLuint compile(GLenum type, const char *shader_dir, const char *name)
{
	char *path = g_build_filename(shader_dir, name, NULL);
	char *source = NULL;
	GError *error = NULL;
	GLuint shader = 0;

	if (!g_file_get_contents(path, &source, NULL, &error)) {
		wall_error("cannot read shader: %s", error->message);
		g_error_free(error);
		goto out;
	}
	shader = glCreateShader(type);
	const GLchar *text = source;
	glShaderSource(shader, 1, &text, NULL);
	glCompileShader(shader);
	GLint ok = GL_FALSE;
	glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
	if (!ok) {
		char *log = info_log(shader, false);
		wall_error("shader %s does not compile: %s", path, log);
		g_free(log);
		glDeleteShader(shader);
		shader = 0;
	}
out:
	g_free(source);
	g_free(path);
	return shader;
}

bool wall_gl_program_init(struct wall_gl_program *program, const char *shader_dir,
			  const char *vert_name, const char *frag_name)
{
	*program = (struct wall_gl_program){0};
	GLuint vert = compile(GL_VERTEX_SHADER, shader_dir, vert_name);
	if (vert == 0) {
		goto err_vert;
	}
	GLuint frag = compile(GL_FRAGMENT_SHADER, shader_dir, frag_name);
	if (frag == 0) {
		goto err_frag;
	}

	GLuint id = glCreateProgram();
	glAttachShader(id, vert);
	glAttachShader(id, frag);
	glLinkProgram(id);
	GLint ok = GL_FALSE;
	glGetProgramiv(id, GL_LINK_STATUS, &ok);
	if (!ok) {
		char *log = info_log(id, true);
		wall_error("shaders %s/{%s,%s} do not link: %s", shader_dir, vert_name,
			   frag_name, log);
		g_free(log);
		goto err_link;
	}
	/* The linked program keeps what it needs; the shaders can go. */
	glDeleteShader(frag);
	glDeleteShader(vert);

	program->id = id;
	program->canvas_px = glGetUniformLocation(id, "canvas_px");
	program->dest_px = glGetUniformLocation(id, "dest_px");
	program->crop_uv = glGetUniformLocation(id, "crop_uv");
	program->uv_bounds = glGetUniformLocation(id, "uv_bounds");
	program->alpha = glGetUniformLocation(id, "alpha");
	program->premultiplied = glGetUniformLocation(id, "premultiplied");
	program->fill_color = glGetUniformLocation(id, "fill_color");
	program->yuv_matrix = glGetUniformLocation(id, "yuv_matrix");
	program->yuv_offset = glGetUniformLocation(id, "yuv_offset");

	glUseProgram(id);
	static const char *const samplers[] = {"plane0", "plane1", "plane2"};
	for (GLint unit = 0; unit < 3; unit++) {
		/* Location -1 (sampler unused) is silently ignored by GL. */
		glUniform1i(glGetUniformLocation(id, samplers[unit]), unit);
	}
	glUseProgram(0);
	return true;

err_link:
	glDeleteProgram(id);
	glDeleteShader(frag);
err_frag:
	glDeleteShader(vert);
err_vert:
	return false;
}

void wall_gl_program_finish(struct wall_gl_program *program)
{
	if (program->id != 0) {
		glDeleteProgram(program->id);
	}
	*program = (struct wall_gl_program){0};
}
