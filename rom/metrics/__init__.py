"""Landmarks in, angles, ROM and asymmetry out. Pure NumPy/SciPy: never imports OpenCV,
MediaPipe or Streamlit."""
