"""The serving layer: what pages and papers read, the published warehouse and which build it is."""
