print("layer-bench: written next")
