"""The planner's parts: its output (`actions`), the decisions for mapped pairs (`builder`) and the
matching of unmapped items (`matching`). `syncengine.planner.plan` puts them together."""
