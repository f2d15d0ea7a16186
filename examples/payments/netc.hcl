# The cluster's own networks: every ipBlock netc writes (world, the externals) leaves
# them out, so "egress to stripe" or "ingress from world" never reaches a pod or a
# service address. Use your cluster's values (kube-controller-manager's
# --cluster-cidr and kube-apiserver's --service-cluster-ip-range).
cluster {
  pod_cidrs     = ["10.244.0.0/16", "fd00:10:244::/56"]
  service_cidrs = ["10.96.0.0/12", "fd00:10:96::/112"]
}
