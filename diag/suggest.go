package diag

// EditDistance is the Levenshtein distance between a and b in bytes, or any value >= max
// once it is known to reach max: "did you mean" searches only want close matches, and
// the bound keeps a hostile 10 MB name from costing a quadratic comparison.
func EditDistance(a, b string, max int) int {
	if d := len(a) - len(b); d >= max || -d >= max {
		return max
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= max {
			return max
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Closest returns the candidate nearest to word, fewer than max edits away, or "" when
// none is (or word is itself a candidate).
func Closest(word string, max int, candidates ...string) string {
	best, bestD := "", max
	for _, c := range candidates {
		if d := EditDistance(word, c, bestD); d < bestD {
			best, bestD = c, d
		}
	}
	if best == word {
		return ""
	}
	return best
}
