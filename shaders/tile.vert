#version 300 es
// One quad per draw, a triangle strip of four vertices made from
// gl_VertexID, so no vertex buffer is needed. Canvas pixel rows run top
// down and map straight onto framebuffer rows: row 0 of the canvas is row 0
// of the framebuffer, which is what glReadPixels returns first.

uniform vec2 canvas_px;
// Where the quad lands: x, y, width, height in canvas pixels.
uniform vec4 dest_px;
// Which part of the texture it shows: u, v, width, height in texture
// coordinates (0..1), v growing down the picture like the rows uploaded.
uniform vec4 crop_uv;

out vec2 uv;

void main()
{
	vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
	uv = crop_uv.xy + corner * crop_uv.zw;
	vec2 pos = dest_px.xy + corner * dest_px.zw;
	gl_Position = vec4(pos / canvas_px * 2.0 - 1.0, 0.0, 1.0);
}
