package admin

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is the Prometheus registry of the API: the app's calls and connection, notices,
// and the API's own request latency.
type metrics struct {
	registry *prometheus.Registry
	latency  *prometheus.HistogramVec
}

func newMetrics(d Deps) *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "ariflow_admin_request_seconds", Help: "Admin API request latency.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 8),
	}, []string{"route", "code"})
	m.registry.MustRegister(m.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registry.MustRegister(&appCollector{d: d})
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

var (
	descActive  = prometheus.NewDesc("ariflow_calls_active", "Calls in progress, by dialed number's action.", []string{"entry"}, nil)
	descTotal   = prometheus.NewDesc("ariflow_calls_total", "Calls taken since start.", nil, nil)
	descRefused = prometheus.NewDesc("ariflow_calls_refused_total", "New calls refused with congestion since start, by the routing file's limit they were over.", []string{"limit"}, nil)
	descUp      = prometheus.NewDesc("ariflow_ari_connected", "1 when the ARI events websocket is up.", nil, nil)
	descNotify  = prometheus.NewDesc("ariflow_notify_total", "Chat notices, by outcome.", []string{"outcome"}, nil)
	descQueued  = prometheus.NewDesc("ariflow_notify_queued", "Chat notices waiting to be sent.", nil, nil)
)

// appCollector reads the app's state at scrape time.
type appCollector struct{ d Deps }

func (c *appCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descActive, descTotal, descRefused, descUp, descNotify, descQueued} {
		ch <- d
	}
}

func (c *appCollector) Collect(ch chan<- prometheus.Metric) {
	active := map[string]int{}
	routing := c.d.App.Routing()
	for _, call := range c.d.App.Calls() {
		entry := "unknown"
		if a, ok := routing.File.Lookup(call.Exten); ok {
			entry = string(a.Kind)
		}
		active[entry]++
	}
	for entry, n := range active {
		ch <- prometheus.MustNewConstMetric(descActive, prometheus.GaugeValue, float64(n), entry)
	}
	ch <- prometheus.MustNewConstMetric(descTotal, prometheus.CounterValue, float64(c.d.App.Total()))
	refused := c.d.App.Refusals()
	ch <- prometheus.MustNewConstMetric(descRefused, prometheus.CounterValue, float64(refused.MaxCalls), "max_calls")
	ch <- prometheus.MustNewConstMetric(descRefused, prometheus.CounterValue, float64(refused.CallsPerSecond), "calls_per_second")
	up := 0.0
	if c.d.App.Connected() {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up)
	if c.d.NotifyStats != nil {
		st := c.d.NotifyStats()
		ch <- prometheus.MustNewConstMetric(descNotify, prometheus.CounterValue, float64(st.Sent), "sent")
		ch <- prometheus.MustNewConstMetric(descNotify, prometheus.CounterValue, float64(st.Failed), "failed")
		ch <- prometheus.MustNewConstMetric(descNotify, prometheus.CounterValue, float64(st.Dropped), "dropped")
		ch <- prometheus.MustNewConstMetric(descQueued, prometheus.GaugeValue, float64(st.Queued))
	}
}

// instrument times every request by route pattern and status code.
func (s *Server) instrument(pattern string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r)
		s.metrics.latency.WithLabelValues(pattern, strconv.Itoa(rec.code)).Observe(time.Since(start).Seconds())
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (flush, write deadline).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
