"""kplane: Stiefel geometry and the k-plane transform in any dimension."""
