#version 300 es
// Three-plane YUV 4:2:0: Y, U and V each in its own R8 texture.
precision highp float;

uniform sampler2D plane0;
uniform sampler2D plane1;
uniform sampler2D plane2;
// Set from the frame's matrix and range: rgb = yuv_matrix * (yuv - yuv_offset).
uniform mat3 yuv_matrix;
uniform vec3 yuv_offset;
uniform float alpha;
// Texture coordinates are clamped to this box (u, v min, then max), half a
// texel inside the crop, so bilinear taps never pull in pixels outside it.
uniform vec4 uv_bounds;

in vec2 uv;
out vec4 color;

void main()
{
	vec2 tc = clamp(uv, uv_bounds.xy, uv_bounds.zw);
	vec3 yuv = vec3(texture(plane0, tc).r, texture(plane1, tc).r, texture(plane2, tc).r);
	vec3 rgb = clamp(yuv_matrix * (yuv - yuv_offset), 0.0, 1.0);
	color = vec4(rgb, 1.0) * alpha;
}
