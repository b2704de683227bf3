package storage

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
)

// Under a steady stream of commits with readers always busy, the WAL must keep
// starting again from the beginning: with only the background checkpointer (always
// a little behind the writer) it grew without end.
func TestWALStaysSmallUnderSteadyWrites(t *testing.T) {
	f := newRecFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for ctx.Err() == nil {
				f.s.StationByCode(ctx, f.el.ID, "071-023")
			}
		}()
	}
	var writers sync.WaitGroup
	for w := range 8 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range 400 {
				o := countingForm(f, fmt.Sprintf("wal-%d-%d", w, i))
				if _, _, err := f.s.SaveObservation(ctx, o, f.obsA); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	writers.Wait()
	cancel()
	readers.Wait()
	fi, err := os.Stat(f.s.Path() + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// 3,200 forms with incidents and audit entries: a WAL that never starts again
	// reaches ~128 MB (the writer's automatic checkpoint off); one that does stays
	// well under half of that, even with every test package running alongside.
	if fi.Size() > 64<<20 {
		t.Errorf("the WAL grew to %d MB", fi.Size()>>20)
	}
}
