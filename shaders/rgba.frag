#version 300 es
// RGBA (straight alpha) and BGRA (premultiplied) pictures. BGRA arrives
// with red and blue swapped back by the texture's swizzle.
precision highp float;

uniform sampler2D plane0;
uniform bool premultiplied;
uniform float alpha;
// Texture coordinates are clamped to this box (u, v min, then max), half a
// texel inside the crop, so bilinear taps never pull in pixels outside it.
uniform vec4 uv_bounds;

in vec2 uv;
out vec4 color;

void main()
{
	vec4 c = texture(plane0, clamp(uv, uv_bounds.xy, uv_bounds.zw));
	if (!premultiplied) {
		c.rgb *= c.a;
	}
	// The canvas holds premultiplied colour, blended with ONE,
	// ONE_MINUS_SRC_ALPHA, so a fade scales all four channels.
	color = c * alpha;
}
