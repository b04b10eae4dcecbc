"""Object detection (SLR paper Table 3 / Figure 2): YOLO-format data and SLR/ADMM driven through ultralytics."""
