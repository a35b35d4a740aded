"""The pathway bundle: BPMN/DMN files plus the data-driven writer that first laid them out."""
