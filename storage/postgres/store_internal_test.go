package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey-id/latchkey/internal/testenv"
	"github.com/latchkey-id/latchkey/storage"
)

type nopTracer struct{}

func (nopTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}
func (nopTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func TestOpenAppliesTheConfig(t *testing.T) {
	url := testenv.PostgresDatabase(t)
	s, err := Open(t.Context(), Config{URL: url, MaxConns: 3, Tracer: nopTracer{}}, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pc := s.pool.Config()
	if pc.MaxConns != 3 || pc.ConnConfig.Tracer != (nopTracer{}) || pc.ConnConfig.ConnectTimeout != defaultConnectTimeout {
		t.Fatalf("MaxConns %d, Tracer %v, ConnectTimeout %v; want 3, the tracer, %v",
			pc.MaxConns, pc.ConnConfig.Tracer, pc.ConnConfig.ConnectTimeout, defaultConnectTimeout)
	}

	// Settings in the URL win where Config leaves them unset.
	s2, err := Open(t.Context(), Config{URL: url + "&pool_max_conns=7&connect_timeout=3"}, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	pc = s2.pool.Config()
	if pc.MaxConns != 7 || pc.ConnConfig.ConnectTimeout != 3*time.Second || pc.ConnConfig.Tracer != nil {
		t.Fatalf("MaxConns %d, ConnectTimeout %v, Tracer %v; want 7, 3s, none", pc.MaxConns, pc.ConnConfig.ConnectTimeout, pc.ConnConfig.Tracer)
	}
}
