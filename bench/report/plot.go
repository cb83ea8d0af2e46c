package main

import (
	"bytes"
	"fmt"
	"html"
	"math"
)

// series is one line of the plot: one mode and flow across the rate steps.
type series struct {
	mode, flow string
	color      string
	dash       string
}

var plotSeries = []series{
	{"app", "extension", "#1f5fa8", ""},
	{"app", "ivr", "#1f5fa8", "6,4"},
	{"dialplan", "extension", "#d9771e", ""},
	{"dialplan", "ivr", "#d9771e", "6,4"},
}

// panel is one chart: a value of each step against the offered rate.
type panel struct {
	title, unit string
	log         bool // a logarithmic axis, from 1
	value       func(step) float64
}

// plot draws two charts side by side, INVITE-to-200 p99 (log scale) and CPU per call (app + Asterisk),
// against the offered call rate, one line per mode and flow; a failing step is a red ring.
// Plain SVG, no dependencies.
func plot(steps []step) []byte {
	panels := []panel{
		{"INVITE→200 latency, p99", "ms, log scale", true, func(s step) float64 { return percentile(s.Setup, 99) }},
		{"CPU per call, app + Asterisk", "ms", false, func(s step) float64 {
			if math.IsNaN(s.AppCPU) {
				return s.AsteriskCPU
			}
			return s.AppCPU + s.AsteriskCPU
		}},
	}
	const W, H, pw, ph, left, top = 980, 420, 400, 300, 60, 50
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", W, H, W, H)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", W, H)
	maxRate := 0.0
	for _, s := range steps {
		maxRate = math.Max(maxRate, s.Rate)
	}
	maxRate = niceCeil(maxRate)
	for i, p := range panels {
		x0, y0 := float64(left+i*(pw+90)), float64(top)
		maxV := 0.0
		for _, s := range steps {
			if v := p.value(s); !math.IsNaN(v) {
				maxV = math.Max(maxV, v)
			}
		}
		maxV = niceCeil(maxV)
		px := func(r float64) float64 { return x0 + r/maxRate*pw }
		py := func(v float64) float64 { return y0 + ph - v/maxV*ph }
		ticks := []float64{0, maxV / 5, 2 * maxV / 5, 3 * maxV / 5, 4 * maxV / 5, maxV}
		if p.log {
			top := math.Pow(10, math.Ceil(math.Log10(math.Max(maxV, 10))))
			py = func(v float64) float64 { return y0 + ph - math.Log10(math.Max(v, 1))/math.Log10(top)*ph }
			ticks = nil
			for t := 1.0; t <= top; t *= 10 {
				ticks = append(ticks, t)
			}
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="14" font-weight="bold">%s (%s)</text>`+"\n", x0, y0-15, html.EscapeString(p.title), p.unit)
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n", x0, y0, pw, ph)
		for _, v := range ticks {
			fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n",
				x0, x0+pw, py(v), py(v), x0-5, py(v)+4, trim(v))
		}
		for k := 0; k <= 5; k++ {
			r := maxRate * float64(k) / 5
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle">%s</text>`+"\n", px(r), y0+ph+16, trim(r))
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle">offered calls per second</text>`+"\n", x0+pw/2, y0+ph+34)
		for _, se := range plotSeries {
			var pts bytes.Buffer
			for _, s := range steps {
				if s.Mode != se.mode || s.Flow != se.flow {
					continue
				}
				v := p.value(s)
				if math.IsNaN(v) {
					continue
				}
				fmt.Fprintf(&pts, "%.1f,%.1f ", px(s.Rate), py(v))
				fill := se.color
				if !s.Passed() {
					fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="6" fill="none" stroke="red" stroke-width="2"/>`+"\n", px(s.Rate), py(v))
				}
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", px(s.Rate), py(v), fill)
			}
			if pts.Len() > 0 {
				fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`+"\n", bytes.TrimSpace(pts.Bytes()), se.color, se.dash)
			}
		}
	}
	// Legend.
	for i, se := range plotSeries {
		x, y := float64(left+i*190), float64(H-22)
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.0f" y2="%.0f" stroke="%s" stroke-width="2" stroke-dasharray="%s"/><text x="%.0f" y="%.0f">%s %s</text>`+"\n",
			x, x+30, y, y, se.color, se.dash, x+36, y+4, se.mode, se.flow)
	}
	fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="6" fill="none" stroke="red" stroke-width="2"/><text x="%d" y="%d">0.1 %% failed or more</text>`+"\n", left+4*190, H-22, left+4*190+10, H-18)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(v float64) float64 {
	if v <= 1 || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func trim(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}
