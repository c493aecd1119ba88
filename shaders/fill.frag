#version 300 es
// A solid colour, already premultiplied by the CPU.
precision highp float;

uniform vec4 fill_color;

out vec4 color;

void main()
{
	color = fill_color;
}
