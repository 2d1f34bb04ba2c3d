"""Planning on top of the simulator core: calibration, SLA feasibility, hiring plans, cheapest plan, what-if."""
